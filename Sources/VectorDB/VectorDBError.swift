/// A vector-database operation that failed: the library is missing, the server refused the
/// connection or a statement, or a table does not fit the run. `message` is for the person
/// who started the command.
public struct VectorDBError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public let message: String

    /// An error explained by `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
