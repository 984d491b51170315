import Foundation

/// A file-system error's reason in a few words (`no such file or folder`, `permission
/// denied`), for messages that name the path themselves, instead of Foundation's
/// `The operation could not be completed. The file doesn’t exist.` or its
/// `Error Domain=NSCocoaErrorDomain Code=... UserInfo={...}`.
public enum FileErrorReason {
    /// The reason of `error`: the operating system's when Foundation wraps one, else the
    /// Foundation file error's, else the error's own description.
    public static func text(_ error: Error) -> String {
        let ns = error as NSError
        if let wrapped = ns.userInfo[NSUnderlyingErrorKey] as? Error, case let inner = wrapped as NSError,
           inner.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(inner.code)) {
            return posix(code)
        }
        if ns.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(ns.code)) { return posix(code) }
        if ns.domain == NSCocoaErrorDomain { return cocoa(ns.code) }
        return String(describing: error)
    }

    /// The reason for a Foundation file error code.
    public static func cocoa(_ code: Int) -> String {
        switch CocoaError.Code(rawValue: code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteVolumeReadOnly: return "the volume is read-only"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteFileExists: return "a file of that name exists"
        case .fileReadCorruptFile: return "the file is damaged or not in the expected format"
        case .fileReadTooLarge: return "the file is too large"
        case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding: return "the text is not in a readable encoding (UTF-8 expected)"
        default: return "file error \(code)"
        }
    }

    /// The reason for a POSIX error code, in words.
    public static func posix(_ code: POSIXErrorCode) -> String {
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
}
