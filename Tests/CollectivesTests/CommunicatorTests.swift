import Foundation
import Testing
@testable import Collectives

/// The single-process communicator returns its inputs; the threads-as-ranks one behaves like
/// MPI's collectives for 1 to 5 ranks.
@Suite struct CommunicatorTests {
    @Test func singleProcessIsTheIdentity() {
        let c = SingleProcessCommunicator()
        #expect(c.rank == 0 && c.size == 1 && c.isRoot)
        c.barrier()
        #expect(c.allReduceSum([1.5, -2.25]) == [1.5, -2.25])
        #expect(c.allReduceSum([Float(0.1), 3]) == [0.1, 3])
        #expect(c.allReduceSum([7, -9]) == [7, -9])
        #expect(c.allGather([Int32(4), 5]) == [4, 5])
        #expect(c.allGatherv([UInt8(1)]) == [[1]])
        #expect(c.allGatherConcatenated([2.0, 3.0]) == [2.0, 3.0])
        #expect(c.broadcast([Int64(8)], root: 0) == [8])
        #expect(c.allToAllv([[Float(1), 2]]) == [[1, 2]])
        #expect(c.sumInOrder([1, 2, 10, 20, 100, 200], width: 2) == [111, 222])
    }

    @Test(arguments: 1...5) func threadsAsRanksRunEveryCollective(ranks: Int) {
        let results = LocalCommunicator.run(ranks: ranks) { c -> [String] in
            var lines = [String]()
            c.barrier()
            lines.append("sum \(c.allReduceSum([Double(c.rank + 1), 0.5]))")
            lines.append("int \(c.allReduceSum([c.rank, 1]))")
            lines.append("float \(c.allReduceSum([Float(c.rank)]))")
            lines.append("gather \(c.allGather([Int32(c.rank * 10), Int32(c.rank)]))")
            // Rank r sends r items, rank 0 none.
            lines.append("gatherv \(c.allGatherv((0..<c.rank).map { UInt16($0) }))")
            lines.append("bcast \(c.broadcast(c.rank == c.size - 1 ? [3.25, 4.5] : [], root: c.size - 1))")
            // Rank r sends to rank s the pair (r, s), s + 1 times.
            let sent = (0..<c.size).map { s in Array(repeating: Int64(c.rank * 100 + s), count: s + 1) }
            lines.append("alltoall \(c.allToAllv(sent))")
            return lines
        }
        let n = ranks
        for (rank, lines) in results.enumerated() {
            #expect(lines[0] == "sum \([Double(n * (n + 1) / 2), 0.5 * Double(n)])")
            #expect(lines[1] == "int \([n * (n - 1) / 2, n])")
            #expect(lines[2] == "float \([Float(n * (n - 1) / 2)])")
            #expect(lines[3] == "gather \((0..<n).flatMap { [Int32($0 * 10), Int32($0)] })")
            #expect(lines[4] == "gatherv \((0..<n).map { r in (0..<r).map { UInt16($0) } })")
            #expect(lines[5] == "bcast \([3.25, 4.5])")
            #expect(lines[6] == "alltoall \((0..<n).map { r in Array(repeating: Int64(r * 100 + rank), count: rank + 1) })")
        }
    }

    /// Values whose sum depends on the order of the additions: one piece per value, split
    /// over R ranks; `sumInOrder` gives the bits of a plain loop for every R, where adding each
    /// rank's partial sum (what a reduction tree does) does not.
    @Test func sumInOrderIsIndependentOfTheRankCount() {
        var generated = [Double]()
        var x: UInt64 = 12345
        for _ in 0..<97 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            generated.append(Double(Int64(bitPattern: x >> 11)) * pow(10, Double(x % 17) - 8) / Double(1 << 40))
        }
        let values = generated
        var want = 0.0
        for v in values { want += v }
        var partialSumsDiffer = false
        for ranks in 1...5 {
            let part = ContiguousPartition(count: values.count, parts: ranks)
            let got = LocalCommunicator.run(ranks: ranks) { c in
                c.sumInOrder(Array(values[part.range(of: c.rank)]), width: 1)[0]
            }
            #expect(got.allSatisfy { $0.bitPattern == want.bitPattern }, "\(ranks) ranks: \(got) vs \(want)")
            let partials = LocalCommunicator.run(ranks: ranks) { c in
                c.allReduceSum([values[part.range(of: c.rank)].reduce(0, +)])[0]
            }
            if partials[0].bitPattern != want.bitPattern { partialSumsDiffer = true }
        }
        // The check above could not fail if the data summed exactly in every order.
        #expect(partialSumsDiffer)
    }
}

/// The self-check that `esans bench collectives` runs under mpirun passes on the test doubles,
/// and reports a communicator that gets a collective wrong.
@Test(arguments: 1...5) func selfCheckPassesOnThreadsAsRanks(ranks: Int) {
    let failures = LocalCommunicator.run(ranks: ranks) { CollectivesSelfCheck.run($0) }
    #expect(failures.allSatisfy { $0.isEmpty }, "\(failures)")
    #expect(CollectivesSelfCheck.run(SingleProcessCommunicator()).isEmpty)
    #expect(CollectivesSelfCheck.run(WrongBroadcast()).contains { $0.hasPrefix("broadcast") })
}

/// A group of one whose broadcast loses the last element.
final class WrongBroadcast: Communicator {
    var rank: Int { 0 }
    var size: Int { 1 }
    func barrier() {}
    func allReduceSum(_ values: [Double]) -> [Double] { values }
    func allReduceSum(_ values: [Float]) -> [Float] { values }
    func allReduceSum(_ values: [Int]) -> [Int] { values }
    func allGather<T: BitwiseCopyable>(_ values: [T]) -> [T] { values }
    func allGatherv<T: BitwiseCopyable>(_ values: [T]) -> [[T]] { [values] }
    func broadcast<T: BitwiseCopyable>(_ values: [T], root: Int) -> [T] { Array(values.dropLast()) }
    func allToAllv<T: BitwiseCopyable>(_ send: [[T]]) -> [[T]] { send }
}
