import TestSupport
import Foundation
import Testing
@testable import Datasets

@Suite struct LightGCNReaderTests {
    /// A directory with the given train.txt and test.txt contents.
    func fixture(train: String, test: String) -> TempDir {
        let dir = TempDir()
        dir.write("train.txt", train)
        dir.write("test.txt", test)
        return dir
    }

    @Test func readsUsersItemsAndKeepsNumericIndices() throws {
        let dir = fixture(train: "0 3 1\n1 2 0 4\n2 1\n", test: "0 2\n1 1\n2 0 4\n")
        let d = try DatasetLoader.load(path: dir.path, options: LoadOptions())
        #expect(d.users.count == 3)
        #expect(d.items.count == 5)
        #expect(d.items.externalIDs == ["0", "1", "2", "3", "4"])
        #expect(itemList(d.train, 0) == [1, 3])
        #expect(itemList(d.train, 1) == [0, 2, 4])
        #expect(itemList(d.test, 2) == [0, 4])
        #expect(d.train.count == 6)
        #expect(d.test.count == 4)
        #expect(d.notes.isEmpty, "\(d.notes)")
        #expect(d.name == dir.url.lastPathComponent)
    }

    @Test func toleratesEmptyUserLinesTabsCRLFAndMissingFinalNewline() throws {
        let dir = fixture(train: "0 1 2\r\n1\r\n2\t0  3 \r\n\n", test: "0 3\n2 1")
        let d = try DatasetLoader.load(path: dir.path, options: LoadOptions(format: .lightgcn))
        #expect(d.users.count == 3)
        #expect(d.train.degree(of: 1) == 0)
        #expect(itemList(d.train, 2) == [0, 3])
        #expect(itemList(d.test, 0) == [3])
        #expect(itemList(d.test, 2) == [1])
    }

    @Test func nonNumericItemNamesLineAndField() throws {
        let dir = fixture(train: "0 1 2\n1 2 abc\n", test: "0 2\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: dir.path, options: LoadOptions()) }
        #expect(error?.description == "train.txt:2: field 3 (item id): 'abc' is not a non-negative integer")
    }

    @Test func negativeUserIsRejected() throws {
        let dir = fixture(train: "0 1\n-1 2\n", test: "0 2\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: dir.path, options: LoadOptions()) }
        #expect(error?.line == 2)
        #expect(error?.field == "field 1 (user id)")
        #expect(error?.message.contains("'-1'") == true)
    }

    @Test func hugeIDIsRejected() throws {
        let dir = fixture(train: "0 1\n1 99999999999\n", test: "0 2\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: dir.path, options: LoadOptions()) }
        #expect(error?.message.contains("too large") == true)
    }

    @Test func emptyAndMissingFilesAreErrors() throws {
        let empty = fixture(train: "  \n\n", test: "0 1\n")
        let e1 = #expect(throws: DataError.self) { try DatasetLoader.load(path: empty.path, options: LoadOptions(format: .lightgcn)) }
        #expect(e1?.file == "train.txt")
        #expect(e1?.message.contains("empty") == true)

        let missing = TempDir()
        missing.write("train.txt", "0 1\n")
        let e2 = #expect(throws: DataError.self) { try DatasetLoader.load(path: missing.path, options: LoadOptions()) }
        #expect(e2?.file == "test.txt")
        #expect(e2?.message.contains("not found") == true)
    }

    @Test func duplicatePairIsAnErrorNamingBothLines() throws {
        let dir = fixture(train: "0 1 2\n1 0\n0 2\n", test: "0 0\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: dir.path, options: LoadOptions()) }
        #expect(error?.file == "train.txt")
        #expect(error?.line == 3)
        #expect(error?.field == "field 2 (item id)")
        #expect(error?.message.contains("first seen at line 1") == true)
    }

    @Test func dedupeCollapsesWithNote() throws {
        let dir = fixture(train: "0 1 2 1\n1 0\n0 2\n", test: "0 0\n")
        let d = try DatasetLoader.load(path: dir.path, options: LoadOptions(dedupe: true))
        #expect(itemList(d.train, 0) == [1, 2])
        #expect(d.train.count == 3)
        #expect(d.notes.contains("collapsed 2 duplicate (user, item) pairs in train.txt"))
    }

    @Test func unseenTestUsersAndItemsAreDroppedWithCounts() throws {
        // User 3 and items 7, 9 never occur in train; user 1 has an empty train line; pair (0,1) is in train.
        let dir = fixture(train: "0 1 2\n1\n2 0\n", test: "0 1 0\n1 2\n2 7\n3 0 9\n")
        let d = try DatasetLoader.load(path: dir.path, options: LoadOptions())
        #expect(d.users.count == 3)
        #expect(d.items.count == 3)
        #expect(d.test.count == 1)
        #expect(itemList(d.test, 0) == [0])
        #expect(d.notes.contains { $0.contains("dropped 4 test interactions") && $0.contains("2 test users")
                                     && $0.contains("2 test items") })
        #expect(d.notes.contains("dropped 1 test interactions that also occur in training"))
    }

    @Test func strictModeThrowsOnUnseenTestItem() throws {
        let dir = fixture(train: "0 1 2\n1 0\n", test: "0 0\n1 5\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: dir.path, options: LoadOptions(strict: true)) }
        #expect(error?.file == "test.txt")
        #expect(error?.line == 2)
        #expect(error?.field == "field 2 (item id)")
        #expect(error?.message.contains("'5'") == true)
    }

    @Test func otherSplitsAreRejected() throws {
        let dir = fixture(train: "0 1\n", test: "0 0\n")
        #expect(throws: DataError.self) { try DatasetLoader.load(path: dir.path, options: LoadOptions(split: .randomRatio(0.8))) }
    }

    @Test func parsesInMemoryBytes() throws {
        let bytes = Array("5 1 2\n3 4\n".utf8)
        let parsed = try bytes.withUnsafeBufferPointer { try LightGCNReader.parse(bytes: $0, file: "mem") }
        #expect(parsed.maxUser == 5)
        #expect(parsed.maxItem == 4)
        #expect(parsed.log.users == [5, 5, 3])
        #expect(parsed.log.items == [1, 2, 4])
        #expect(parsed.log.lines == [1, 1, 2])
    }
}
