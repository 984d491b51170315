import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that never leave a half-written file at the destination.
///
/// The bytes go to a temporary file in the destination's directory, are flushed to disk with
/// `fsync`, and the temporary file is then renamed over the destination (an atomic operation
/// on POSIX file systems). On any failure the temporary file is removed and the destination is
/// left as it was.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, replacing any existing file.
    /// - Throws: ``TensorIOError`` naming the file when creating, writing, syncing or renaming fails.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let tempName = ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let tempPath = directory.appendingPathComponent(tempName).path
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TensorIOError(url: url, problem: "cannot create temporary file in \(directory.path): \(errnoText())")
        }
        var closed = false
        var succeeded = false
        defer {
            if !closed { close(fd) }
            if !succeeded { unlink(tempPath) }
        }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TensorIOError(url: url, problem: "write failed: \(errnoText())")
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw TensorIOError(url: url, problem: "fsync failed: \(errnoText())") }
        closed = true
        guard close(fd) == 0 else { throw TensorIOError(url: url, problem: "close failed: \(errnoText())") }
        guard rename(tempPath, url.path) == 0 else {
            throw TensorIOError(url: url, problem: "cannot rename temporary file into place: \(errnoText())")
        }
        succeeded = true
        // Make the rename itself durable; failure here does not undo the write.
        let dirFD = open(directory.path, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
    }

    /// Writes `text` as UTF-8 to `url` atomically, replacing any existing file.
    public static func writeText(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// `write(2)` under a name that does not clash with ``AtomicFile/write(_:to:)``.
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buf, count)
    #else
    return Darwin.write(fd, buf, count)
    #endif
}
