import Foundation

/// A problem found while loading a run or an index, or in a retrieval request.
///
/// `kind` tells the HTTP layer which status to answer with; `message` is meant for the
/// person who sent the request or started the command.
public struct ServingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, coarsely.
    public enum Kind: String, Sendable {
        /// The request is malformed or asks for something out of range (HTTP 400/422).
        case invalidRequest
        /// A user or item id that the run does not know (HTTP 404).
        case notFound
        /// The loaded model cannot answer this kind of request (HTTP 422).
        case unsupported
        /// A run or index file is missing or does not fit (startup / reload error).
        case badInput
        /// An external index (a vector database) could not answer (HTTP 503).
        case unavailable
    }

    /// What went wrong.
    public let kind: Kind
    /// A human-readable explanation.
    public let message: String

    /// An error of `kind` explained by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
