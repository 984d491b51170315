import TestSupport
import Foundation
import Testing
@testable import Datasets

@Suite struct AtomicTableTests {
    let itemFile = """
        item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\tscores:float_seq\tprice:float
        1\tToy Story\t1995\tAnimation Children's Comedy\t1 2.5\t3.5
        2\tGoldenEye\t1995\tAction\t\t
        """

    @Test func readsTypedColumns() throws {
        let table = try AtomicTable.parse(text: itemFile, file: "ml.item")
        #expect(table.rowCount == 2)
        #expect(table.fields.map(\.name) == ["item_id", "movie_title", "release_year", "class", "scores", "price"])
        #expect(table.fields[3].type == .tokenSeq)
        #expect(table.tokens("item_id") == ["1", "2"])
        #expect(table.tokenSequences("movie_title") == [["Toy", "Story"], ["GoldenEye"]])
        #expect(table.tokenSequences("class")?[0] == ["Animation", "Children's", "Comedy"])
        #expect(table.floatSequences("scores") == [[1, 2.5], []])
        let prices = try #require(table.floats("price"))
        #expect(prices[0] == 3.5)
        #expect(prices[1].isNaN)
        #expect(table.lineNumbers == [2, 3])
        #expect(table.tokens("class") == nil)  // wrong type asked
    }

    @Test func onlyDecodesRequestedFields() throws {
        let table = try AtomicTable.parse(text: itemFile, file: "ml.item", only: ["item_id"])
        #expect(table.tokens("item_id") == ["1", "2"])
        #expect(table.column("movie_title") == nil)
        #expect(throws: DataError.self) { try AtomicTable.parse(text: itemFile, file: "ml.item", only: ["nope"]) }
    }

    @Test func badHeaderTypeIsReported() throws {
        let error = #expect(throws: DataError.self) {
            try AtomicTable.parse(text: "user_id:token\trating:int\n1\t2\n", file: "x.inter")
        }
        #expect(error?.line == 1)
        #expect(error?.field == "header field 2")
        #expect(error?.message.contains("unknown type 'int'") == true)
        let missing = #expect(throws: DataError.self) { try AtomicTable.parse(text: "user_id\titem_id:token\n", file: "x.inter") }
        #expect(missing?.message.contains("name:type") == true)
    }

    @Test func wrongFieldCountAndBadFloat() throws {
        let short = #expect(throws: DataError.self) {
            try AtomicTable.parse(text: "a:token\tb:float\n1\t2\n3\n", file: "t.inter")
        }
        #expect(short?.line == 3)
        #expect(short?.message.contains("expected 2 tab-separated fields") == true)
        let bad = #expect(throws: DataError.self) {
            try AtomicTable.parse(text: "a:token\tb:float\n1\t2\n3\tx7\n", file: "t.inter")
        }
        #expect(bad?.description == "t.inter:3: field 2 (b): 'x7' is not a number")
    }

    @Test func readsHeaderOnlyFromDisk() throws {
        let dir = TempDir()
        let path = dir.write("a.user", "user_id:token\tage:float\r\n1\t20\r\n")
        #expect(try AtomicTable.readHeader(path: path).map(\.name) == ["user_id", "age"])
        let table = try AtomicTable.read(path: path)
        #expect(table.floats("age") == [20])
        dir.write("empty.user", "")
        #expect(throws: DataError.self) { try AtomicTable.readHeader(path: dir.url.appendingPathComponent("empty.user").path) }
    }
}

@Suite struct RecBoleReaderTests {
    /// Three users; timestamps shuffled relative to file order.
    let inter = """
        user_id:token\titem_id:token\trating:float\ttimestamp:float
        u1\ta\t5\t300
        u1\tb\t3\t100
        u1\tc\t4\t200
        u1\td\t4\t400
        u1\te\t1\t500
        u2\ta\t2\t10
        u2\tc\t2\t5
        u3\tb\t1\t7

        """

    func fixture(_ text: String, name: String = "toy") -> (TempDir, String) {
        let dir = TempDir()
        let sub = dir.directory(name)
        dir.write("\(name)/\(name).inter", text)
        return (dir, sub)
    }

    @Test func defaultSplitIsRatioByTimePerUser() throws {
        let (dir, path) = fixture(inter)
        _ = dir
        let d = try DatasetLoader.load(path: path, options: LoadOptions())
        #expect(d.name == "toy")
        #expect(d.users.externalIDs == ["u1", "u2", "u3"])
        // u1 (5 items): latest 'e' (t=500) to test; u2 (2 items): latest 'a' (t=10) to test; u3 stays train-only.
        #expect(externalItems(d, d.train, user: "u1") == ["a", "b", "c", "d"])
        #expect(externalItems(d, d.test, user: "u1") == [])
        #expect(externalItems(d, d.train, user: "u2") == ["c"])
        #expect(externalItems(d, d.test, user: "u2") == ["a"])
        #expect(externalItems(d, d.train, user: "u3") == ["b"])
        #expect(d.test.count == 1)
        // 'e' only occurs in test, so it is dropped from the item map and from test.
        #expect(d.items.index(of: "e") == nil)
        #expect(d.items.count == 4)
    }

    @Test func leaveOneOutTakesLatest() throws {
        let (dir, path) = fixture(inter)
        _ = dir
        let d = try DatasetLoader.load(path: path, options: LoadOptions(split: .leaveOneOutByTime))
        #expect(externalItems(d, d.train, user: "u1") == ["a", "b", "c", "d"])
        #expect(externalItems(d, d.train, user: "u2") == ["c"])
        #expect(externalItems(d, d.test, user: "u2") == ["a"])
        #expect(d.test.degree(of: d.users.index(of: "u3")!) == 0)
        #expect(d.notes.contains { $0.contains("dropped 1 test interactions") && $0.contains("1 test items") })
    }

    @Test func strictModeRejectsTestOnlyItem() throws {
        let (dir, path) = fixture(inter)
        _ = dir
        let error = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: path, options: LoadOptions(split: .leaveOneOutByTime, strict: true))
        }
        #expect(error?.file == "toy.inter")
        #expect(error?.line == 6)
        #expect(error?.field == "field 2 (item_id)")
    }

    /// Without a timestamp field, the default split (by time) becomes a seeded random one with
    /// a note in the user's words; a split by time asked for is refused, naming the file, what
    /// is missing and the options that fix it.
    @Test func missingTimestampFallsBackOnlyForTheDefaultSplit() throws {
        let text = "user_id:token\titem_id:token\n" + (0..<10).map { "u\t\($0)" }.joined(separator: "\n") + "\nv\t0\n"
        let (dir, path) = fixture(text)
        _ = dir
        let d = try DatasetLoader.load(path: path, options: LoadOptions(seed: 3))
        #expect(d.notes.contains { $0.contains("no timestamp column: the header has the fields 'user_id', 'item_id'")
                && $0.contains("the default split time:0.8 (by time) became random:0.8") && $0.contains("seed 3") }, "\(d.notes)")
        for name in ["ratioByTime", "randomRatio"] { #expect(!d.notes.joined().contains(name), "\(d.notes)") }
        let u = d.users.index(of: "u")!
        #expect(d.train.degree(of: u) == 8)
        #expect(d.test.degree(of: u) + d.train.degree(of: u) <= 10)

        let error = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: path, options: LoadOptions(split: .ratioByTime(0.8), seed: 3))
        }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.hasPrefix("toy.inter: --split time:0.8 ") && message.contains("no timestamp column")
                && message.contains("--time-column") && message.contains("--split random:0.8"), "\(message)")
    }

    @Test func columnMappingAndErrors() throws {
        let text = "uid:token\tiid:token\twhen:float\n1\t10\t1\n1\t11\t2\n2\t10\t3\n"
        let (dir, path) = fixture(text)
        _ = dir
        let mapped = LoadOptions(split: .leaveOneOutByTime, columns: ColumnMapping(user: "uid", item: "iid", timestamp: "when"))
        let d = try DatasetLoader.load(path: path, options: mapped)
        #expect(externalItems(d, d.train, user: "1") == ["10"])
        #expect(d.test.count == 0)  // '11' never in train
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: path, options: LoadOptions()) }
        #expect(error?.message.contains("no field named 'user_id'") == true)
        #expect(error?.message.contains("uid:token") == true)
    }

    @Test func duplicatePairsErrorOrCollapse() throws {
        let text = "user_id:token\titem_id:token\n1\t10\n1\t11\n1\t10\n2\t11\n"
        let (dir, path) = fixture(text)
        _ = dir
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: path, options: LoadOptions()) }
        #expect(error?.line == 4)
        #expect(error?.message.contains("first seen at line 2") == true)
        let d = try DatasetLoader.load(path: path, options: LoadOptions(split: .leaveOneOutByTime, dedupe: true))
        #expect(externalItems(d, d.train, user: "1") == ["10"])
        #expect(externalItems(d, d.test, user: "1") == ["11"])
        #expect(d.notes.contains("collapsed 1 duplicate (user, item) pairs in toy.inter"))
    }

    @Test func givenBenchmarkFiles() throws {
        let dir = TempDir()
        let path = dir.directory("bench")
        dir.write("bench/bench.train.inter", "user_id:token\titem_id:token\na\tx\na\ty\nb\tx\n")
        dir.write("bench/bench.test.inter", "user_id:token\titem_id:token\na\tz\nb\ty\nc\tx\n")
        dir.write("bench/bench.valid.inter", "user_id:token\titem_id:token\nb\tx\nb\ty\n")
        let d = try DatasetLoader.load(path: path, options: LoadOptions(split: .givenFiles))
        #expect(d.users.externalIDs == ["a", "b"])
        #expect(externalItems(d, d.test, user: "b") == ["y"])
        #expect(d.test.count == 1)
        #expect(d.validation?.count == 1)  // (b, x) repeats a train pair and is dropped
        #expect(d.notes.contains { $0.contains("1 test users") && $0.contains("1 test items") })
    }

    @Test func interFileGivenDirectlyAndDetected() throws {
        let dir = TempDir()
        let path = dir.write("data/other.inter", "user_id:token\titem_id:token\n1\t2\n1\t3\n")
        #expect(DataFormat.detect(path: path) == .recbole)
        let d = try DatasetLoader.load(path: path, options: LoadOptions())
        #expect(d.name == "other")
        #expect(d.train.count == 1 && d.test.count == 0)  // the test item is never in train
    }
}
