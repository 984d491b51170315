import TestSupport
import Foundation
import Testing
@testable import Datasets

/// Files whose lines claim absurd lengths: sparse files of 1 GiB with no newline where the
/// line should end (a few bytes on disk). Every reader refuses them at the 64 MiB line limit,
/// naming the file and the line, without reading the rest.
@Suite struct LineLengthTests {
    /// Writes `head`, then makes the file 1 GiB long with a hole (zero bytes, no newline).
    static func sparseFile(_ url: URL, head: String) throws {
        try Data(head.utf8).write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 1 << 30)
        try handle.close()
    }

    /// The file's size as the file system reports it, and the bytes it really occupies.
    static func sizes(_ url: URL) -> (claimed: Int, stored: Int) {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return (0, 0) }
        return (Int(info.st_size), Int(info.st_blocks) * 512)
    }

    /// (format, file name, text before the hole, the line the hole is on)
    static let cases: [(DataFormat, String, String, Int)] = [
        (.csv, "ratings.csv", "user,item\nu1,i1\nu2,", 3),
        (.csv, "header.csv", "user,item", 1),
        (.tsv, "ratings.tsv", "user\titem\n", 2),
        (.lightgcn, "train.txt", "0 1 2\n1 ", 2),
        (.recbole, "big.inter", "user_id:token\titem_id:token\n1\t", 2),
        (.recbole, "head.inter", "user_id:token\titem_id", 1),
    ]

    @Test(arguments: 0..<LineLengthTests.cases.count)
    func aGigabyteLineIsRefused(_ index: Int) throws {
        let (format, name, head, line) = Self.cases[index]
        let tmp = TempDir()
        let url = tmp.file(name)
        try Self.sparseFile(url, head: head)
        if format == .lightgcn { try "0 1\n".write(to: tmp.file("test.txt"), atomically: true, encoding: .utf8) }
        let (claimed, stored) = Self.sizes(url)
        #expect(claimed == 1 << 30)
        #expect(stored < 1 << 20, "the test file should be sparse (\(stored) bytes stored)")
        let path = format == .lightgcn ? tmp.path : url.path
        let start = Date()
        do {
            _ = try DatasetLoader.load(path: path, options: LoadOptions(format: format, split: format == .lightgcn ? .givenFiles : .randomRatio(0.8)))
            Issue.record("\(name): a 1 GiB line was accepted")
        } catch let error as DataError {
            #expect(error.file == name && error.line == line, "\(error)")
            #expect(error.message.contains("longer than 64 MiB"), "\(error)")
        }
        // Refused at the limit, not after reading the whole gigabyte.
        #expect(Date().timeIntervalSince(start) < 20)
    }

    /// Lines up to the limit are read as before (a long LightGCN line of one user's items).
    @Test func longLinesUnderTheLimitAreRead() throws {
        let tmp = TempDir()
        let items = (0..<200_000).map(String.init).joined(separator: " ")
        try ("0 " + items + "\n1 0 1\n").write(to: tmp.file("train.txt"), atomically: true, encoding: .utf8)
        try "0 5\n1 2\n".write(to: tmp.file("test.txt"), atomically: true, encoding: .utf8)
        let d = try DatasetLoader.load(path: tmp.path, options: LoadOptions(format: .lightgcn))
        #expect(d.train.degree(of: 0) == 200_000)
        #expect(d.train.count == 200_002)
    }
}
