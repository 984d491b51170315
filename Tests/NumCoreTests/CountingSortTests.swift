import Testing
@testable import NumCore

/// The one counting sort behind the CSR layouts, against plain sorts.
@Suite struct CountingSortTests {
    static func keys(_ n: Int, buckets: Int, seed: UInt64) -> [Int32] {
        var rng = RandomSource(seed: seed)
        return (0..<n).map { _ in Int32(rng.below(buckets)) }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func groupsPositionsByKeyStably(seed: UInt64) {
        let keys = Self.keys(500, buckets: 17, seed: seed)
        let (offsets, order) = CountingSort.group(keys, buckets: 17)
        #expect(offsets.count == 18 && offsets.first == 0 && offsets.last == 500)
        for b in 0..<17 {
            let expected = keys.indices.filter { keys[$0] == Int32(b) }.map { Int32($0) }
            #expect(Array(order[offsets[b]..<offsets[b + 1]]) == expected, "bucket \(b)")
        }
    }

    @Test func emptyBucketsAndNegativeKeys() {
        let keys: [Int32] = [3, -1, 3, 0, -1, 5]
        let (offsets, order) = CountingSort.group(keys, buckets: 7)
        #expect(offsets == [0, 1, 1, 1, 3, 3, 4, 4])
        #expect(order == [3, 0, 2, 5])
        #expect(CountingSort.group([], buckets: 3).offsets == [0, 0, 0, 0])
    }

    @Test func transposeListsEachColumnsRowsAscendingWithTheirValues() {
        // 4 x 5: row r holds columns (r + j * 2) % 5 for j < r + 1, value 10 r + column.
        var offsets = [0], indices = [Int32](), values = [Float]()
        for r in 0..<4 {
            let cols = Set((0...r).map { (r + $0 * 2) % 5 }).sorted()
            indices += cols.map { Int32($0) }
            values += cols.map { Float(10 * r + $0) }
            offsets.append(indices.count)
        }
        let t = CSRTranspose.transpose(rows: 4, cols: 5, offsets: offsets, indices: indices, values: values)
        let pattern = CSRTranspose.transpose(rows: 4, cols: 5, offsets: offsets, indices: indices)
        #expect(pattern.offsets == t.offsets && pattern.indices == t.indices)
        for c in 0..<5 {
            let rows = (0..<4).filter { r in indices[offsets[r]..<offsets[r + 1]].contains(Int32(c)) }
            #expect(Array(t.indices[t.offsets[c]..<t.offsets[c + 1]]) == rows.map { Int32($0) }, "column \(c)")
            #expect(Array(t.values[t.offsets[c]..<t.offsets[c + 1]]) == rows.map { Float(10 * $0 + c) })
        }
    }

    @Test func transposeSkipsEmptyRows() {
        let t = CSRTranspose.transpose(rows: 3, cols: 2, offsets: [0, 0, 2, 2], indices: [0, 1])
        #expect(t.offsets == [0, 1, 2] && t.indices == [1, 1])
    }
}
