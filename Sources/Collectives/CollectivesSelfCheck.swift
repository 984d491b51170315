/// Runs every collective of a ``Communicator`` on values whose results every rank can
/// predict, for checking a real MPI installation (`mpirun -np R esans bench collectives`)
/// and the test doubles alike. Collective: every rank must call it.
public enum CollectivesSelfCheck {
    /// The checks that failed on this rank (empty when all passed), each naming the operation.
    public static func run(_ c: any Communicator) -> [String] {
        var failures = [String]()
        func check(_ ok: Bool, _ what: @autoclosure () -> String) { if !ok { failures.append(what()) } }
        let n = c.size, r = c.rank
        c.barrier()
        let d = c.allReduceSum([Double(r + 1), 0.25])
        check(d == [Double(n * (n + 1) / 2), 0.25 * Double(n)], "allReduceSum(Double): \(d)")
        let f = c.allReduceSum([Float(r), 1])
        check(f == [Float(n * (n - 1) / 2), Float(n)], "allReduceSum(Float): \(f)")
        let i = c.allReduceSum([r, -1, Int(Int32.max) + r])
        check(i == [n * (n - 1) / 2, -n, n * Int(Int32.max) + n * (n - 1) / 2], "allReduceSum(Int): \(i)")
        let g = c.allGather([Int32(r * 10), Int32(r)])
        check(g == (0..<n).flatMap { [Int32($0 * 10), Int32($0)] }, "allGather: \(g)")
        // Rank k contributes k values (rank 0 none).
        let gv = c.allGatherv((0..<r).map { UInt16($0 + 100 * r) })
        check(gv == (0..<n).map { k in (0..<k).map { UInt16($0 + 100 * k) } }, "allGatherv: \(gv)")
        let cat = c.allGatherConcatenated([Double(r)])
        check(cat == (0..<n).map(Double.init), "allGatherConcatenated: \(cat)")
        let root = n - 1
        let b = c.broadcast(r == root ? [3.25, -4.5, 1e300] : [], root: root)
        check(b == [3.25, -4.5, 1e300], "broadcast: \(b)")
        // Rank k sends rank s the value k * 1000 + s, s + 1 times; nothing to itself.
        let sent = (0..<n).map { s in s == r ? [] : Array(repeating: Int64(r * 1000 + s), count: s + 1) }
        let got = c.allToAllv(sent)
        check(got == (0..<n).map { k in k == r ? [] : Array(repeating: Int64(k * 1000 + r), count: r + 1) }, "allToAllv: \(got)")
        // One piece per rank: the ordered sum is a plain loop over 0.1, 0.2, ...
        let s = c.sumInOrder([0.1 * Double(r + 1), 1], width: 2)
        var want = 0.0
        for k in 0..<n { want += 0.1 * Double(k + 1) }
        check(s[0].bitPattern == want.bitPattern && s[1] == Double(n), "sumInOrder: \(s)")
        c.barrier()
        return failures
    }
}
