/// A download or verification failure of ``DataFetcher``, explaining what happened and what to do.
public struct FetchError: Error, CustomStringConvertible, Sendable {
    /// What was being fetched.
    public let target: FetchTarget
    /// What went wrong (including the tail of the tool's output when there is one).
    public let message: String
    /// The exact command that was run (or would be run), for trying by hand.
    public let command: String

    /// Creates an error.
    public init(target: FetchTarget, message: String, command: String) {
        self.target = target
        self.message = message
        self.command = command
    }

    /// The message, the command, and the ways out.
    public var description: String {
        """
        cannot fetch \(target.rawValue): \(message)
        command: \(command)
        what to do:
          - make sure Python 3 with pip works: `python3 -m pip --version` (install pip with \
        `python3 -m ensurepip --upgrade` or your package manager), or set ESANS_PYTHON to a Python that has pip;
          - check the network and proxy settings (HTTPS_PROXY, PIP_INDEX_URL) so that pip can reach PyPI \
        and download \(target.requirement);
          - or put the files there yourself: set ESANS_CACHE_DIR to a directory holding \
        \(target.rawValue)/\(target.files.map(\.path).joined(separator: ", "))
        """
    }
}
