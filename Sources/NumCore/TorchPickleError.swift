/// An error reading a pickle or a legacy PyTorch file: the file, the byte offset where the
/// problem was found, and what is wrong.
public struct TorchPickleError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Last path component of the file (or the name given for in-memory bytes).
    public let file: String
    /// Byte offset from the start of the file.
    public let offset: Int
    /// What is wrong, in words.
    public let problem: String

    /// An error about `file` at byte `offset`.
    public init(file: String, offset: Int, problem: String) {
        self.file = file
        self.offset = offset
        self.problem = problem
    }

    /// `"<file>: byte <offset>: <problem>"`.
    public var description: String { "\(file): byte \(offset): \(problem)" }
}
