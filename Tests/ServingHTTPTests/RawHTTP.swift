import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 request over a plain loopback socket (`Connection: close`); returns the status
/// code and the body. Used where no test framework client is running. The blocking socket
/// calls run on a thread of their own, never on the concurrency pool: on a 2-core machine that
/// pool has two threads, and blocking them would starve the server under test (whose handlers
/// run there too) until the request times out.
func rawHTTP(port: Int, method: String = "GET", path: String, body: String = "") async throws -> (status: Int, body: String) {
    try await withCheckedThrowingContinuation { (done: CheckedContinuation<(status: Int, body: String), Error>) in
        Thread.detachNewThread {
            done.resume(with: Result { try blockingHTTP(port: port, method: method, path: path, body: body) })
        }
    }
}

/// The request of ``rawHTTP(port:method:path:body:)`` on the calling thread; every socket call
/// gives up after 15 s.
private func blockingHTTP(port: Int, method: String, path: String, body: String) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 15, tv_usec: 0)
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
    let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        data += buf[0..<n]
    }
    let text = String(decoding: data, as: UTF8.self)
    let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    let bodyText = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return (status, bodyText)
}
