import Foundation

/// Whole-file writes that never leave a half-written file at the destination.
///
/// The bytes go to a temporary file in the destination's directory, are flushed to disk with
/// `fsync`, and the temporary file is then renamed over the destination (an atomic operation
/// on POSIX file systems). On any failure the temporary file is removed and the destination is
/// left as it was. ``AtomicFileWriter`` does the same for a file written piece by piece.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, replacing any existing file.
    /// - Throws: ``TensorIOError`` naming the file when creating, writing, syncing or renaming fails.
    public static func write(_ data: Data, to url: URL) throws {
        let writer = try AtomicFileWriter(url: url)
        try writer.write(data)
        try writer.commit()
    }

    /// Writes `text` as UTF-8 to `url` atomically, replacing any existing file.
    public static func writeText(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
