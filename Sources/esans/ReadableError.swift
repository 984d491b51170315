import Foundation

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
        let text = String(describing: error)
        if text.contains("Address already in use") || text.contains("EADDRINUSE") {
            return "the port is already in use: another program (another `esans serve`?) listens on it; choose another with --port"
        }
        return nil
    }

    /// A Foundation file error as `cannot read PATH: reason` / `cannot write PATH: reason`.
    static func fileSystem(_ e: NSError) -> String? {
        let code = CocoaError.Code(rawValue: e.code)
        let op: String
        switch e.code {
        case 256..<512: op = "cannot read"
        case 512..<768: op = "cannot write"
        default: return nil
        }
        var why: String
        switch code {
        case .fileNoSuchFile, .fileReadNoSuchFile: why = "no such file or folder"
        case .fileReadNoPermission, .fileWriteNoPermission: why = "permission denied"
        case .fileWriteVolumeReadOnly: why = "the volume is read-only"
        case .fileWriteOutOfSpace: why = "no space left on the device"
        case .fileWriteFileExists: why = "a file of that name exists"
        case .fileReadCorruptFile: why = "the file is damaged or not in the expected format"
        case .fileReadTooLarge: why = "the file is too large"
        case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding: why = "the text is not in a readable encoding (UTF-8 expected)"
        default: why = "error \(e.code)"
        }
        // The operating system's reason, when Foundation wraps one, is the more precise.
        if let wrapped = e.userInfo[NSUnderlyingErrorKey] as? Error {
            let underlying = wrapped as NSError
            if underlying.domain == NSPOSIXErrorDomain, let posix = POSIXErrorCode(rawValue: Int32(underlying.code)) { why = reason(posix) }
        }
        return "\(op) \(path(in: e.userInfo) ?? "a file"): \(why)"
    }

    /// The path an error's user info names.
    static func path(in info: [String: Any]) -> String? {
        if let p = info[NSFilePathErrorKey] as? String { return p }
        if let u = info[NSURLErrorKey] as? URL { return u.path }
        return nil
    }

    /// The reason for a POSIX error code, in words.
    static func reason(_ code: POSIXErrorCode) -> String {
        switch code {
        case .ENOENT: return "no such file or folder"
        case .ENOTDIR: return "a part of the path is a file, not a folder"
        case .EISDIR: return "it is a folder, not a file"
        case .EACCES, .EPERM: return "permission denied"
        case .EROFS: return "the file system is read-only"
        case .ENOSPC: return "no space left on the device"
        case .EEXIST: return "it exists already"
        case .EADDRINUSE: return "the address is already in use"
        default: return String(cString: strerror(code.rawValue))
        }
    }

    /// `esans train` for the usage line `Usage: esans train [<options>] ...`.
    static func commandPath(usage: String) -> String {
        let line = usage.split(separator: "\n").first.map(String.init) ?? ""
        let words = line.replacingOccurrences(of: "Usage:", with: "").split(separator: " ")
        return words.prefix { !$0.hasPrefix("[") && !$0.hasPrefix("<") && !$0.hasPrefix("-") }.joined(separator: " ")
    }
}
