import TestSupport
import Foundation
import Testing
@testable import Datasets

@Suite struct DelimitedReaderTests {
    @Test func csvWithHeaderQuotesAndTimestamps() throws {
        let dir = TempDir()
        let lines = [
            "userId,movie,rating,timestamp",
            "1,\"Toy Story (1995)\",5,100",
            "1,\"Heat, the movie\",4,300",
            "1,\"Say \"\"Hi\"\"\",3,200",
            "2,\"Toy Story (1995)\",4,50",
            "2,\"Multi\nline\",4,60",
            "3,\"Heat, the movie\",1,70",
            "",
        ]
        let path = dir.write("ratings.csv", lines.joined(separator: "\r\n"))
        let options = LoadOptions(split: .leaveOneOutByTime, columns: ColumnMapping(user: "userId", item: "movie"))
        let d = try DatasetLoader.load(path: path, options: options)
        #expect(d.name == "ratings")
        #expect(d.items.externalIDs.contains("Say \"Hi\""))
        #expect(d.items.externalIDs.contains("Heat, the movie"))
        // user 1: latest is 'Heat' (t=300) -> test; user 2: latest is the multi-line title (never in train) -> dropped.
        #expect(externalItems(d, d.test, user: "1") == ["Heat, the movie"])
        #expect(externalItems(d, d.train, user: "1") == ["Say \"Hi\"", "Toy Story (1995)"])
        #expect(externalItems(d, d.train, user: "2") == ["Toy Story (1995)"])
        #expect(d.items.index(of: "Multi\nline") == nil)
        #expect(d.notes.contains { $0.hasPrefix("columns: user 0 (userId), item 1 (movie), timestamp 3 (timestamp)") })
    }

    @Test func tsvWithoutHeaderByIndexAndISODates() throws {
        let dir = TempDir()
        let path = dir.write("log.tsv", "x\ta\t2020-01-03T00:00:00Z\nx\tb\t2020-01-01T00:00:00Z\nx\tc\t2020-01-02T00:00:00Z\ny\tc\t2020-01-01T00:00:00Z\n")
        let options = LoadOptions(split: .leaveOneOutByTime, columns: ColumnMapping(user: 0, item: 1, timestamp: 2), header: false)
        let d = try DatasetLoader.load(path: path, options: options)
        #expect(externalItems(d, d.train, user: "x") == ["b", "c"])
        #expect(d.test.count == 0)  // 'a' is the latest and never in train
        #expect(d.notes.contains { $0.contains("dropped 1 test interactions") })
    }

    @Test func customMultiCharacterDelimiter() throws {
        let dir = TempDir()
        let path = dir.write("ratings.dat", "1::10::5::1\n1::11::3::2\n2::10::4::3\n")
        let options = LoadOptions(format: .csv, split: .leaveOneOutByTime,
                                  columns: ColumnMapping(user: 0, item: 1, timestamp: 3), header: false, delimiter: "::")
        let d = try DatasetLoader.load(path: path, options: options)
        #expect(d.users.externalIDs == ["1", "2"])
        #expect(externalItems(d, d.train, user: "1") == ["10"])
    }

    @Test func unknownColumnNameListsHeader() throws {
        let dir = TempDir()
        let path = dir.write("a.csv", "u,i\n1,2\n")
        let error = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: path, options: LoadOptions(columns: ColumnMapping(user: "user_id", item: "i")))
        }
        #expect(error?.line == 1)
        #expect(error?.message == "no column named 'user_id' for the user id; the header has 'u', 'i'")
        let noHeader = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: path, options: LoadOptions(columns: ColumnMapping(user: "u"), header: false))
        }
        #expect(noHeader?.message.contains("0-based index") == true)
    }

    @Test func wrongFieldCountNamesLine() throws {
        let dir = TempDir()
        let path = dir.write("a.csv", "user_id,item_id\n1,2\n1,3,9\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: path) }
        #expect(error?.description == "a.csv:3: expected 2 fields (user_id, item_id), found 3")
    }

    @Test func badTimestampAndQuotingErrors() throws {
        let dir = TempDir()
        let path = dir.write("a.csv", "user_id,item_id,timestamp\n1,2,5\n1,3,soon\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: path) }
        #expect(error?.line == 3)
        #expect(error?.field == "field 3 (timestamp)")
        #expect(error?.message.contains("'soon' is not a number") == true)

        let open = dir.write("b.csv", "user_id,item_id\n1,\"abc\n2,3\n")
        let openError = #expect(throws: DataError.self) { try DatasetLoader.load(path: open) }
        #expect(openError?.line == 2)
        #expect(openError?.message.contains("never closed") == true)

        let junk = dir.write("c.csv", "user_id,item_id\n1,\"abc\"x\n")
        #expect(throws: DataError.self) { try DatasetLoader.load(path: junk) }
        let emptyID = dir.write("d.csv", "user_id,item_id\n1,\n")
        let emptyError = #expect(throws: DataError.self) { try DatasetLoader.load(path: emptyID) }
        #expect(emptyError?.message == "empty item id")
        let empty = dir.write("e.csv", "")
        #expect(throws: DataError.self) { try DatasetLoader.load(path: empty) }
    }

    @Test func recordParserKeepsLineNumbers() throws {
        let bytes = Array("a,\"b\nc\"\n\nd,e\n".utf8)
        var seen: [(Int, [String])] = []
        try bytes.withUnsafeBufferPointer { buffer in
            let records = DelimitedRecords(bytes: buffer, file: "m.csv", delimiter: [0x2C], quoting: true)
            try records.forEachRecord { line, fields in seen.append((line, fields.map(records.text))) }
        }
        #expect(seen.map(\.0) == [1, 4])
        #expect(seen.map(\.1) == [["a", "b\nc"], ["d", "e"]])
    }
}
