/// Why a process cannot join its group.
public enum CommunicatorError: Error, Equatable, CustomStringConvertible {
    /// MPI cannot be loaded or initialised; the text says why and what to install.
    case unavailable(String)

    public var description: String {
        switch self {
        case .unavailable(let why): return why
        }
    }
}
