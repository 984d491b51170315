import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServingHTTP

/// A response of ``LiveClient``, shaped like HummingbirdTesting's so that tests read the same.
struct LiveResponse {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ByteBuffer
}

/// Requests to a server on a real loopback port, over plain sockets on threads of their own.
///
/// This stands in for HummingbirdTesting's `.live` client, whose read timeout is fixed at 20 s:
/// with the whole suite on this 2-core machine (and other builds beside it) a loaded server can
/// take longer than that to answer, and the tests failed with `.readTimeout` though nothing was
/// wrong. Here a request waits up to ``rawRequest(port:method:path:headers:body:timeoutSeconds:)``'s
/// timeout; what the tests check is the answer, not its speed.
struct LiveClient: Sendable {
    let port: Int

    /// Sends one request and hands its response to `check`.
    @discardableResult
    func execute<T>(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
                    _ check: (LiveResponse) async throws -> T) async throws -> T {
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        let raw = try await rawRequest(port: port, method: method.rawValue, path: uri,
                                       headers: headers.map { ($0.name.rawName, $0.value) }, body: bytes)
        var fields = HTTPFields()
        for (name, value) in raw.headers {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        return try await check(LiveResponse(status: HTTPResponse.Status(code: raw.status), headers: fields,
                                             body: ByteBuffer(bytes: raw.body)))
    }
}

/// Runs `server` on a free loopback port (no signal handling: other tests of the process send
/// SIGHUP), calls `body` with a client for it, then shuts the server down.
func withLiveServer<T: Sendable>(_ server: RetrievalServer, _ body: (LiveClient) async throws -> T) async throws -> T {
    let port = PortBox()
    let app = server.application { port.set($0) }
    let task = Task { try await app.runService(gracefulShutdownSignals: []) }
    defer { task.cancel() }
    var p = 0
    // Generous: under a loaded suite the server can take many seconds to bind.
    for _ in 0..<12_000 where p == 0 {
        try await Task.sleep(for: .milliseconds(25))
        p = port.get()
    }
    guard p > 0 else { throw POSIXError(.ETIMEDOUT) }
    let result = try await body(LiveClient(port: p))
    task.cancel()
    _ = try? await task.value
    return result
}
