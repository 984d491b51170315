import Foundation

/// Why an experiment could not be planned, run or summarised.
public struct ExperimentError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for a person.
    public var message: String

    /// An error with this message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
