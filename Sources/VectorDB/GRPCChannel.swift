import CGRPC

/// A plaintext gRPC channel to one server, for blocking unary calls on serialised messages
/// (the CGRPC shim over the system gRPC C core, loaded with `dlopen` on first use).
///
/// Like libpq, libgrpc is not linked: a plain `swift build` needs neither the library nor its
/// headers (without `libgrpc-dev` the shim builds as a stub that says so), and only the Milvus
/// paths need it at run time (Debian: `libgrpc29`; or `ESANS_LIBGRPC=FILE`). Safe to share
/// between threads.
public final class GRPCChannel: @unchecked Sendable {
    /// `host:port` of the server.
    public let target: String
    private let handle: OpaquePointer

    /// A failed call: the gRPC status code (e.g. 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED,
    /// 12 UNIMPLEMENTED) and its details.
    public struct CallError: Error, Sendable, Equatable {
        /// The gRPC status code (0 when the call never ran).
        public let code: Int
        /// The details the server or library gave.
        public let message: String
    }

    /// Opens a channel to `target` (`host:port`). Connects on the first call.
    /// - Throws: ``VectorDBError`` when libgrpc is unavailable.
    public init(target: String) throws {
        var message = [CChar](repeating: 0, count: 512)
        guard let h = esans_grpc_open(target, &message, message.count) else {
            throw VectorDBError(Self.text(message))
        }
        self.target = target
        handle = h
    }

    deinit { esans_grpc_close(handle) }

    /// Nil when libgrpc can be loaded, else why not.
    public static func unavailableReason() -> String? {
        var message = [CChar](repeating: 0, count: 512)
        return esans_grpc_available(&message, message.count) == Int32(ESANS_GRPC_OK.rawValue) ? nil : text(message)
    }

    /// Calls `method` (`/package.Service/Method`) with `request`, waiting at most
    /// `timeoutSeconds`, and returns the response bytes.
    /// - Throws: ``CallError`` when the call fails.
    public func call(_ method: String, _ request: [UInt8], timeoutSeconds: Double) throws -> [UInt8] {
        var response: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var status: Int32 = 0
        var message = [CChar](repeating: 0, count: 1024)
        let ms = Int64((timeoutSeconds * 1000).rounded(.up))
        let rc = request.withUnsafeBufferPointer { req in
            esans_grpc_unary(handle, method, req.baseAddress, req.count, max(1, ms), &response, &size, &status,
                             &message, message.count)
        }
        defer { esans_grpc_free(response) }
        guard rc == Int32(ESANS_GRPC_OK.rawValue) else { throw CallError(code: Int(status), message: Self.text(message)) }
        guard let response, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: response, count: size))
    }

    /// The name of a gRPC status code (`UNAVAILABLE` for 14).
    public static func statusName(_ code: Int) -> String {
        let names = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
                     "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
                     "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]
        return names.indices.contains(code) ? names[code] : "status \(code)"
    }

    private static func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
