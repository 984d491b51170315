import Testing
@testable import Collectives

@Suite struct ContiguousPartitionTests {
    /// Every piece is in exactly one run, runs are consecutive and in rank order, sizes differ
    /// by at most one, and `part(of:)` agrees with the ranges.
    @Test(arguments: 1...5) func coversEveryPieceOnce(parts: Int) {
        for count in [0, 1, 2, 3, 4, 5, 7, 16, 29858, 100_003] {
            let p = ContiguousPartition(count: count, parts: parts)
            var next = 0
            var sizes = [Int]()
            for r in 0..<parts {
                let range = p.range(of: r)
                #expect(range.lowerBound == next, "count \(count), part \(r)")
                for i in [range.lowerBound, range.upperBound - 1] where range.contains(i) { #expect(p.part(of: i) == r) }
                next = range.upperBound
                sizes.append(range.count)
            }
            #expect(next == count)
            #expect(sizes.max()! - sizes.min()! <= 1 && sizes == sizes.sorted(by: >), "count \(count): \(sizes)")
        }
    }

    @Test func partOfEveryPieceOfASmallCase() {
        let p = ContiguousPartition(count: 11, parts: 4)  // 3, 3, 3, 2
        #expect((0..<11).map { p.part(of: $0) } == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3])
        #expect(ContiguousPartition(count: 2, parts: 5).range(of: 4).isEmpty)
    }
}
