import Foundation
import NumCore

/// One sentence for an error that reaches the top of a command: file-system errors name the
/// operation, the path and the reason (not Foundation's `Error Domain=NSCocoaErrorDomain
/// Code=... UserInfo={...}`), a port already in use says so; esans's own errors keep their
/// messages (they name the file, line and field already).
enum ReadableError {
    /// The message printed after `Error: ` for the errors this type translates (file-system
    /// and POSIX errors, a port in use); nil for the others, whose own description is used.
    static func message(for error: Error) -> String? {
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain, let text = fileSystem(ns) { return text }
        if ns.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(ns.code)) {
            return reason(code) + (path(in: ns.userInfo).map { ": \($0)" } ?? "")
        }
        if let failure = error as? CommandFailure { return failure.message }
        if isAddressInUse(error) {
            return "the port is already in use: another program (another `esans serve`?) listens on it; choose another with --port"
        }
        return nil
    }

    /// Whether `error` says that the address (host and port) to bind is taken: a POSIX
    /// EADDRINUSE, or NIO's `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`.
    static func isAddressInUse(_ error: Error) -> Bool {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain && ns.code == Int(POSIXErrorCode.EADDRINUSE.rawValue) { return true }
        let text = String(describing: error)
        return text.contains("Address already in use") || text.contains("EADDRINUSE")
    }

    /// The one sentence for a port another program listens on.
    static func portInUse(_ port: Int, host: String) -> String {
        "port \(port) on \(host) is already in use: another program (another `esans serve`?) listens on it; stop it or choose another port with --port"
    }

    /// A Foundation file error as `cannot read PATH: reason` / `cannot write PATH: reason`.
    static func fileSystem(_ e: NSError) -> String? {
        let op: String
        switch e.code {
        case 256..<512: op = "cannot read"
        case 512..<768: op = "cannot write"
        default: return nil
        }
        // The operating system's reason, when Foundation wraps one, is the more precise.
        let why = FileErrorReason.text(e)
        return "\(op) \(path(in: e.userInfo) ?? "a file"): \(why)"
    }

    /// The path an error's user info names.
    static func path(in info: [String: Any]) -> String? {
        if let p = info[NSFilePathErrorKey] as? String { return p }
        if let u = info[NSURLErrorKey] as? URL { return u.path }
        return nil
    }

    /// The reason for a POSIX error code, in words.
    static func reason(_ code: POSIXErrorCode) -> String { FileErrorReason.posix(code) }

    /// `esans train` for the usage line `Usage: esans train [<options>] ...`.
    static func commandPath(usage: String) -> String {
        let line = usage.split(separator: "\n").first.map(String.init) ?? ""
        let words = line.replacingOccurrences(of: "Usage:", with: "").split(separator: " ")
        return words.prefix { !$0.hasPrefix("[") && !$0.hasPrefix("<") && !$0.hasPrefix("-") }.joined(separator: " ")
    }
}

/// A failure a command has already put into one sentence (printed after `Error: `, exit 1).
struct CommandFailure: Error, CustomStringConvertible {
    /// The sentence.
    let message: String
    var description: String { message }
}
