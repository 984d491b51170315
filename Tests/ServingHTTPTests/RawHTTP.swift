import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One response read off a socket: the status code, the header fields in order, and the body
/// (de-chunked when the server sent `Transfer-Encoding: chunked`).
struct RawResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// An HTTP/1.1 request over a plain loopback socket (`Connection: close`); returns the status
/// code and the body. Used where no test framework client is running. The blocking socket
/// calls run on a thread of their own, never on the concurrency pool: on a 2-core machine that
/// pool has two threads, and blocking them would starve the server under test (whose handlers
/// run there too) until the request times out.
func rawHTTP(port: Int, method: String = "GET", path: String, body: String = "") async throws -> (status: Int, body: String) {
    let r = try await rawRequest(port: port, method: method, path: path, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    return (r.status, r.text)
}

/// The request of ``rawHTTP(port:method:path:body:)`` with any header fields and body bytes.
/// Each socket call gives up after `timeoutSeconds`: long, because a test shares this machine's
/// two cores with the rest of the suite, and a slow answer is not what these tests check.
func rawRequest(port: Int, method: String, path: String, headers: [(String, String)], body: [UInt8],
                timeoutSeconds: Int = 300) async throws -> RawResponse {
    try await withCheckedThrowingContinuation { (done: CheckedContinuation<RawResponse, Error>) in
        Thread.detachNewThread {
            done.resume(with: Result {
                try blockingRequest(port: port, method: method, path: path, headers: headers, body: body, timeoutSeconds: timeoutSeconds)
            })
        }
    }
}

/// The request of ``rawRequest(port:method:path:headers:body:timeoutSeconds:)`` on the calling thread.
private func blockingRequest(port: Int, method: String, path: String, headers: [(String, String)], body: [UInt8],
                             timeoutSeconds: Int) throws -> RawResponse {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard ok == 0 else { throw POSIXError(.ECONNREFUSED) }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    let request = Array((head + "Content-Length: \(body.count)\r\n\r\n").utf8) + body
    var sent = 0
    while sent < request.count {
        let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw POSIXError(.EIO) }
        sent += n
    }
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n < 0 && errno == EAGAIN { throw POSIXError(.ETIMEDOUT) }
        if n <= 0 { break }
        data += buf[0..<n]
    }
    return try parseResponse(data)
}

/// Splits a whole HTTP/1.1 response into status, header fields and body.
private func parseResponse(_ data: [UInt8]) throws -> RawResponse {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard let end = (0..<max(0, data.count - 3)).first(where: { Array(data[$0..<$0 + 4]) == separator }) else {
        throw POSIXError(.EBADMSG)
    }
    let lines = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
    let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
    let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    var body = Array(data[(end + 4)...])
    if headers.contains(where: { $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased().contains("chunked") }) {
        body = try dechunk(body)
    }
    return RawResponse(status: status, headers: headers, body: body)
}

/// The payload of a chunked body.
private func dechunk(_ raw: [UInt8]) throws -> [UInt8] {
    var out = [UInt8](), i = 0
    while i < raw.count {
        guard let lineEnd = (i..<max(i, raw.count - 1)).first(where: { raw[$0] == 13 && raw[$0 + 1] == 10 }),
              let size = Int(String(decoding: raw[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? "", radix: 16)
        else { throw POSIXError(.EBADMSG) }
        if size == 0 { break }
        let start = lineEnd + 2
        guard start + size <= raw.count else { throw POSIXError(.EBADMSG) }
        out += raw[start..<start + size]
        i = start + size + 2
    }
    return out
}
