import Foundation

/// Reading a whole file into `Data`, as `Data(contentsOf:options:)` does, for the readers.
///
/// An empty regular file gives empty `Data` directly: on Linux, Foundation's own path for a
/// file that reports size 0 (meant for `/proc`) keeps a 4 KB buffer it never frees
/// (swift-foundation with Swift 6.3), which a process reading many empty or damaged inputs
/// (a server reloading, the fuzzers in `Fuzz/`) would accumulate.
public enum FileData {
    /// The bytes of the file at `url`; `options` as for `Data(contentsOf:options:)`.
    /// - Throws: Foundation's error when the file cannot be read.
    public static func read(_ url: URL, options: Data.ReadingOptions = []) throws -> Data {
        var info = stat()
        if stat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size == 0 { return Data() }
        return try Data(contentsOf: url, options: options)
    }
}
