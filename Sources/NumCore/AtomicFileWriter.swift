import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written piece by piece that appears at its destination only once it is complete.
///
/// The pieces go to a temporary file in the destination's directory; ``commit()`` flushes it
/// to disk with `fsync` and renames it over the destination (atomic on POSIX file systems).
/// A writer that is never committed (an error, an interruption) removes its temporary file
/// when it is discarded or released, and the destination is left as it was. This is how
/// outputs too large to build in memory first (`esans recommend`) are written; whole-buffer
/// writes use ``AtomicFile/write(_:to:)``.
public final class AtomicFileWriter {
    /// The destination.
    public let url: URL
    private let tempPath: String
    private var fd: Int32
    private var done = false

    /// Opens a temporary file beside `url` (its directory must exist).
    /// - Throws: ``TensorIOError`` naming the file when the temporary file cannot be created.
    public init(url: URL) throws {
        self.url = url
        let directory = url.deletingLastPathComponent()
        let tempName = Self.temporaryName(for: url.lastPathComponent, pid: getpid(), nonce: UInt64.random(in: 0...UInt64.max))
        tempPath = directory.appendingPathComponent(tempName).path
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TensorIOError(url: url, problem: "cannot create temporary file in \(directory.path): \(Self.errnoText())")
        }
    }

    deinit { discard() }

    /// The name of the temporary file of a write to `name` by process `pid`:
    /// `.<name>.tmp-<pid>-<nonce>` (hidden, beside the destination; see
    /// ``AtomicFile/removeStaleTemporaries(in:)`` for the files of killed writers).
    static func temporaryName(for name: String, pid: Int32, nonce: UInt64) -> String {
        ".\(name).tmp-\(pid)-\(nonce)"
    }

    /// The writer's process id in a temporary file name made by ``temporaryName(for:pid:nonce:)``,
    /// `nil` for any other name.
    static func writerPID(ofTemporary name: String) -> Int32? {
        guard name.hasPrefix("."), let tmp = name.range(of: ".tmp-", options: .backwards), tmp.lowerBound > name.index(after: name.startIndex) else { return nil }
        let parts = name[tmp.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, UInt64(parts[1]) != nil else { return nil }
        return pid
    }

    /// Appends `data`.
    /// - Throws: ``TensorIOError`` naming the file when the write fails (the writer is then discarded).
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write(bytes: $0) }
    }

    /// Appends the bytes of `raw` (no copy: large arrays go to the file from where they are).
    /// - Throws: ``TensorIOError`` naming the file when the write fails (the writer is then discarded).
    public func write(bytes raw: UnsafeRawBufferPointer) throws {
        precondition(!done, "AtomicFileWriter: write after commit or discard")
        var offset = 0
        while offset < raw.count {
            let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let problem = "write failed: \(Self.errnoText())"
                discard()
                throw TensorIOError(url: url, problem: problem)
            }
            offset += n
        }
    }

    /// Appends `text` as UTF-8.
    public func write(_ text: String) throws {
        try write(Data(text.utf8))
    }

    /// Flushes the file to disk and renames it over the destination.
    /// - Throws: ``TensorIOError`` naming the file when syncing, closing or renaming fails
    ///   (the temporary file is removed and the destination left as it was); whatever an
    ///   ``AtomicCommitHook/afterCommit`` hook throws (the file is then in place).
    public func commit() throws {
        precondition(!done, "AtomicFileWriter: commit after commit or discard")
        guard fsync(fd) == 0 else { return try fail("fsync failed") }
        let closed = close(fd)
        fd = -1
        guard closed == 0 else { return try fail("close failed") }
        guard rename(tempPath, url.path) == 0 else { return try fail("cannot rename temporary file into place") }
        done = true
        // Make the rename itself durable; failure here does not undo the write.
        let dirFD = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
        try AtomicCommitHook.afterCommit?(url)
    }

    /// Removes the temporary file without touching the destination (nothing after a commit).
    public func discard() {
        guard !done else { return }
        done = true
        if fd >= 0 { close(fd); fd = -1 }
        unlink(tempPath)
    }

    private func fail(_ what: String) throws {
        let problem = "\(what): \(Self.errnoText())"
        discard()
        throw TensorIOError(url: url, problem: problem)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// `write(2)` under a name that does not clash with ``AtomicFileWriter/write(_:)``.
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buf, count)
    #else
    return Darwin.write(fd, buf, count)
    #endif
}
