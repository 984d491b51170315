import Testing
@testable import Datasets

@Suite struct IDMapTests {
    @Test func internsInFirstSeenOrder() {
        var map = IDMap()
        #expect(map.intern("b") == 0)
        #expect(map.intern("a") == 1)
        #expect(map.intern("b") == 0)
        #expect(map.count == 2)
        #expect(map.externalIDs == ["b", "a"])
        #expect(map.index(of: "a") == 1)
        #expect(map.index(of: "zzz") == nil)
        #expect(map[1] == "a")
    }

    @Test func numericMapHasIndexEqualToID() {
        let map = IDMap.numeric(count: 12)
        #expect(map.count == 12)
        #expect(map.index(of: "7") == 7)
        #expect(map[11] == "11")
        #expect(IDMap(["x", "y", "x"]).externalIDs == ["x", "y"])
    }
}

@Suite struct InteractionsTests {
    let sample = Interactions(numUsers: 3, numItems: 5, lists: [[4, 1, 2], [], [0, 3]])

    @Test func csrLayoutIsSortedPerUser() {
        #expect(sample.offsets == [0, 3, 3, 5])
        #expect(sample.items == [1, 2, 4, 0, 3])
        #expect(sample.count == 5)
        #expect(Array(sample.items(of: 0)) == [1, 2, 4])
        #expect(sample.items(of: 1).isEmpty)
        #expect(sample.degree(of: 2) == 2)
    }

    @Test func containsIsExact() {
        #expect(sample.contains(user: 0, item: 4))
        #expect(sample.contains(user: 0, item: 1))
        #expect(!sample.contains(user: 0, item: 3))
        #expect(!sample.contains(user: 1, item: 0))
        #expect(sample.contains(user: 2, item: 0))
        #expect(!sample.contains(user: 7, item: 0))
    }

    /// Every list length up to 40 and some longer ones (several halvings before the SIMD scan,
    /// odd and even), every probe below, inside, between and above the values, including the
    /// largest ids: the same answer as a linear scan.
    @Test func sortedContainsMatchesALinearScan() {
        for length in Array(0...40) + [63, 64, 65, 66, 97, 128, 257] {
            let list = (0..<length).map { Int32($0 * 3 + 1) } + (length > 0 ? [Int32.max - 1] : [])
            let probes = (0...(length * 3 + 3)).map(Int32.init) + [Int32.max - 2, Int32.max - 1, Int32.max]
            list.withUnsafeBufferPointer { sorted in
                for x in probes { #expect(Interactions.sortedContains(sorted, x) == list.contains(x), "length \(length), probe \(x)") }
            }
        }
    }

    @Test func countsPerUserAndItem() {
        #expect(sample.userCounts() == [3, 0, 2])
        #expect(sample.itemCounts() == [1, 1, 1, 1, 1])
        let pairs = sample.pairs()
        #expect(pairs.users == [0, 0, 0, 2, 2])
        #expect(pairs.items == [1, 2, 4, 0, 3])
    }

    @Test func csrInitSortsUnsortedSlices() {
        let built = Interactions(numUsers: 2, numItems: 4, offsets: [0, 2, 4], items: [3, 1, 2, 0])
        #expect(built.items == [1, 3, 0, 2])
        #expect(built == Interactions(numUsers: 2, numItems: 4, lists: [[1, 3], [2, 0]]))
        #expect(Interactions.empty(numUsers: 3, numItems: 2).offsets == [0, 0, 0, 0])
    }
}

@Suite struct DataErrorTests {
    @Test func descriptionNamesFileLineAndField() {
        let error = DataError(file: "/some/dir/train.txt", line: 17, field: "field 3 (item id)",
                              message: "'abc' is not a non-negative integer")
        #expect(error.file == "train.txt")
        #expect(error.description == "train.txt:17: field 3 (item id): 'abc' is not a non-negative integer")
        #expect(DataError(file: "a.csv", message: "file is empty").description == "a.csv: file is empty")
    }
}

@Suite struct SplitParsingTests {
    @Test func parsesShortForms() {
        #expect(Split(parsing: "given") == .givenFiles)
        #expect(Split(parsing: "loo") == .leaveOneOutByTime)
        #expect(Split(parsing: "time:0.8") == .ratioByTime(0.8))
        #expect(Split(parsing: "random:0.7") == .randomRatio(0.7))
        #expect(Split(parsing: "random:1.5") == nil)
        #expect(Split(parsing: "bogus") == nil)
        #expect(Split(parsing: Split.ratioByTime(0.9).description) == .ratioByTime(0.9))
        #expect(ColumnRef(parsing: "3") == .index(3))
        #expect(ColumnRef(parsing: "user") == .name("user"))
    }

    @Test func testCountFollowsRecBoleRounding() {
        #expect(Split.testCount(total: 1, trainRatio: 0.8) == 0)
        #expect(Split.testCount(total: 2, trainRatio: 0.8) == 1)
        #expect(Split.testCount(total: 5, trainRatio: 0.8) == 1)
        #expect(Split.testCount(total: 10, trainRatio: 0.8) == 2)
        #expect(Split.testCount(total: 10, trainRatio: 1.0) == 0)
        #expect(Split.testCount(total: 3, trainRatio: 0.01) == 2)
    }
}
