import Foundation
import Testing
@testable import Datasets

/// A fresh temporary directory, removed when the value is released.
final class TempDir {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("esans-datasets-\(UUID().uuidString)", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    var path: String { url.path }

    /// Writes `text` to `name` (sub-directories created) and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let file = url.appendingPathComponent(name)
        try! FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// A sub-directory path (created).
    func directory(_ name: String) -> String {
        let dir = url.appendingPathComponent(name, isDirectory: true)
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }
}

/// The sorted items of `user` as plain Ints.
func itemList(_ interactions: Interactions, _ user: Int) -> [Int] { interactions.items(of: user).map { Int($0) } }

/// Items of the user with external id `user`, as external ids, sorted.
func externalItems(_ d: Dataset, _ part: Interactions, user: String) -> [String] {
    guard let u = d.users.index(of: user) else { return [] }
    return part.items(of: u).map { d.items[Int($0)] }.sorted()
}
