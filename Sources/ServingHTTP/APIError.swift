import Foundation
import Hummingbird
import Serving

/// A request the service refuses, answered as `{"error":{"status","reason","message"}}`.
public struct APIError: Error, CustomStringConvertible, Sendable {
    /// HTTP status (always 4xx for a client's mistake).
    public let status: HTTPResponse.Status
    /// What is wrong, for the client.
    public let message: String

    /// An error with `status` and `message`.
    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }

    /// The status for a ``ServingError`` raised by the retriever.
    init(_ e: ServingError) {
        switch e.kind {
        case .invalidRequest, .unsupported: self.init(.unprocessableContent, e.message)
        case .notFound: self.init(.notFound, e.message)
        case .badInput: self.init(.internalServerError, e.message)
        case .unavailable: self.init(.serviceUnavailable, e.message)
        }
    }

    /// Any error a handler, the router or the body reader can throw, as an ``APIError``.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as ServingError: return APIError(e)
        case let e as DecodingError: return APIError(.badRequest, "malformed JSON body: \(describe(e))")
        case let e as HTTPError:
            if e.status == .notFound { return APIError(.notFound, e.body ?? "no such route") }
            return APIError(e.status, e.body ?? e.status.reasonPhrase)
        case let e as any HTTPResponseError:
            if e.status == .contentTooLarge { return APIError(.contentTooLarge, "request body is too large") }
            return APIError(e.status, e.status.reasonPhrase)
        default:
            return APIError(.internalServerError, "internal error: \(error)")
        }
    }

    /// A short account of a decoding error: what was expected and where.
    static func describe(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
        }
        switch e {
        case .typeMismatch(_, let c): return "wrong type\(path(c)): \(c.debugDescription)"
        case .valueNotFound(_, let c): return "null value\(path(c))"
        case .keyNotFound(let k, let c): return "missing key '\(k.stringValue)'\(path(c))"
        case .dataCorrupted(let c):
            return c.codingPath.isEmpty ? "not valid JSON" : "invalid value\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }

    /// The JSON response.
    func response() -> Response {
        let body = JSONWriter.error(status: Int(status.code), reason: status.reasonPhrase, message: message)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
