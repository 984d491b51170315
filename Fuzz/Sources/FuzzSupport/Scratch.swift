import Foundation

/// A directory of this process for the files a fuzzer hands to a reader that takes paths:
/// in `/dev/shm` where there is one (no disk writes at thousands of runs a second), else the
/// temporary directory. Removed when the process exits normally.
public enum Scratch {
    /// The process's directory.
    public static let root: URL = {
        let shm = URL(fileURLWithPath: "/dev/shm")
        let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent("esans-fuzz-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.root) }
        return dir
    }()

    /// An empty directory `name` inside ``root`` (emptied if it was used before).
    public static func directory(_ name: String) -> URL {
        let dir = root.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: dir)
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Writes `bytes` to `url`, replacing what was there.
    public static func write(_ bytes: [UInt8], to url: URL) {
        try! Data(bytes).write(to: url)
    }

    /// Writes `bytes` to `name` inside `directory` and returns its URL.
    @discardableResult
    public static func write(_ bytes: [UInt8], _ name: String, in directory: URL) -> URL {
        let url = directory.appendingPathComponent(name)
        write(bytes, to: url)
        return url
    }
}
