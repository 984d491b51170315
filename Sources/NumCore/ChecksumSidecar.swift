import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checksum of a text file kept beside it, in `<file>.xxh64`, one line in the format of
/// the `xxh64sum` tool (`<16 hex digits>  <file name>`), so `xxh64sum -c` verifies it too.
/// Used for the files that have no metadata of their own (`semantic_ids.tsv`).
///
/// A file without a sidecar (written by an older esans, or by hand) is read unchecked. A
/// file edited on purpose needs its sidecar deleted (or rewritten).
public enum ChecksumSidecar {
    /// The sidecar of `url`.
    public static func url(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent + ".xxh64")
    }

    /// Writes `data` to `url` and then its sidecar, each atomically. An existing sidecar is
    /// removed first, so that a writer interrupted between the two files leaves the new file
    /// without a sidecar (read unchecked), never beside the old file's checksum (refused as
    /// damaged).
    /// - Throws: ``TensorIOError`` naming the file when a write fails or the old sidecar cannot be removed.
    public static func write(_ data: Data, to url: URL) throws {
        let side = Self.url(for: url)
        if unlink(side.path) != 0 && errno != ENOENT {
            throw TensorIOError(file: side.path, problem: "cannot remove the old checksum file: \(String(cString: strerror(errno)))")
        }
        try AtomicFile.write(data, to: url)
        let line = "\(Checksum64.hex(Checksum64.hash(data)))  \(url.lastPathComponent)\n"
        try AtomicFile.writeText(line, to: side)
    }

    /// Checks `data`, the contents read from `url`, against the sidecar when there is one.
    /// - Returns: whether a sidecar was there (and matched).
    /// - Throws: ``TensorIOError`` naming the file when the sidecar is malformed or the
    ///   checksum differs (damaged, truncated or edited file).
    @discardableResult
    public static func verify(_ data: Data, readFrom url: URL) throws -> Bool {
        let side = Self.url(for: url)
        guard FileManager.default.fileExists(atPath: side.path) else { return false }
        let text: String
        do { text = String(decoding: try FileData.read(side), as: UTF8.self) } catch {
            throw TensorIOError(file: side.path, problem: "cannot read the checksum file: \(error.localizedDescription)")
        }
        let recorded = String(text.prefix(16))
        guard Checksum64.isHex(recorded), text == "\(recorded)  \(url.lastPathComponent)\n" else {
            throw TensorIOError(file: side.path, problem: "malformed checksum file (expected one line '<16 hex digits>  \(url.lastPathComponent)'); the file is damaged")
        }
        let actual = Checksum64.hex(Checksum64.hash(data))
        guard actual == recorded else {
            throw TensorIOError(file: url.path, problem: "checksum mismatch with \(side.lastPathComponent) (file damaged, truncated or edited; "
                                + "if it was edited on purpose, delete \(side.lastPathComponent))")
        }
        return true
    }
}
