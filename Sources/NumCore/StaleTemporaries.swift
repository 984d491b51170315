import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AtomicFile {
    /// Removes the temporary files that writers no longer running left in `directory` (not its
    /// subdirectories) and returns their names.
    ///
    /// An ``AtomicFileWriter`` removes its temporary file when it fails or is released, but a
    /// process killed mid-write (SIGKILL, the OOM killer, a power cut) cannot: its
    /// `.<name>.tmp-<pid>-<nonce>` stays beside the destination, which itself is untouched. The
    /// commands that write into a directory again (`train --resume`, `cluster`, `compare`) call
    /// this first, so that repeated interruptions do not pile up half-written checkpoints. Files
    /// of a process that is still running (another esans writing into the same directory, or
    /// this one) are left alone; a process id reused since then by an unrelated process also
    /// keeps its file, which is harmless. A missing directory has nothing to remove.
    @discardableResult
    public static func removeStaleTemporaries(in directory: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() {
            guard let pid = AtomicFileWriter.writerPID(ofTemporary: name), !processIsRunning(pid) else { continue }
            if unlink(directory.appendingPathComponent(name).path) == 0 { removed.append(name) }
        }
        return removed
    }

    /// Whether a process with id `pid` exists (signal 0 checks without sending anything; a
    /// process of another user answers EPERM, which still means it exists).
    static func processIsRunning(_ pid: Int32) -> Bool {
        if pid == getpid() { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
