import Foundation
import Testing
import NumCore
import TestSupport
@testable import Losses

@Suite struct AdapTauLossTests {
    private func loss(w0: Float, userScale: [Float]) -> AdapTauLoss {
        let l = AdapTauLoss(warmupEpochs: 1)
        l.w0 = w0
        l.userScale = userScale
        return l
    }

    @Test(arguments: [false, true])
    func valueMatchesTheReference(logQ: Bool) {
        var r = RowFixture(width: 33, seed: 11, cosines: true, withLogQ: logQ)
        r.user = 1
        let l = loss(w0: 9, userScale: [5, 14])
        l.beginBatch(rows: 1)
        let cols = r.negativeColumns
        let reference = LossReference.adaptau(positive: Double(r.logits[0]), negatives: cols.map { Double(r.logits[$0]) },
                                              logQ: r.logQ.map { q in cols.map { Double(q[$0]) } }, w0: 9, wu: 14)
        #expect(close(r.run(l).value, reference))
    }

    @Test(arguments: [false, true])
    func gradientMatchesFiniteDifferences(logQ: Bool) {
        var r = RowFixture(width: 33, seed: 12, cosines: true, withLogQ: logQ)
        r.user = 0
        let l = loss(w0: 9, userScale: [12])
        l.beginBatch(rows: 1)
        expectRowContract(l, r)
        let g = r.run(l).gradient
        #expect(g[0] == -9, "the positive is scaled by the global w0")
        #expect(abs(g.dropFirst().reduce(0, +) - 12) < 1e-4, "the negatives' softmax is scaled by the user's w_u")
    }

    /// A tiny model: w0 from the data and the vectors, then per-user scales from the losses
    /// gathered over an epoch, against the formulas computed here.
    @Test func epochStartSetsTheGlobalAndPerUserScales() {
        var rng = RandomSource(seed: 13)
        let users = 6, items = 10, d = 4
        func unitRows(_ n: Int) -> Matrix {
            let m = randomMatrix(n, d, &rng)
            for r in 0..<n { let nr = VectorMath.dot(m.row(r), m.row(r), d).squareRoot(); for k in 0..<d { m.row(r)[k] /= nr } }
            return m
        }
        let I = unitRows(items)
        let lists: [[Int32]] = [[0, 1], [2], [3, 4, 5], [6, 7], [8], [9, 0, 1, 2]]
        // Each user near the mean of its items (plus noise), so that positives score above average.
        let U = unitRows(users)
        for u in 0..<users {
            for k in 0..<d { U[u, k] = 0.3 * U[u, k] + lists[u].reduce(0) { $0 + I[Int($1), k] } }
            let s = 1 / VectorMath.dot(U.row(u), U.row(u), d).squareRoot()
            for k in 0..<d { U[u, k] *= s }
        }
        var offsets = [0]
        for l in lists { offsets.append(offsets.last! + l.count) }
        let context = LossEpochContext(users: U, items: I, offsets: offsets, trainItems: lists.flatMap { $0 })

        // Users above the 20th percentile of list sizes: sizes sorted [1,1,2,2,3,4], cut = 1.
        let kept = [0, 2, 3, 5]
        let y = kept.reduce(0) { $0 + lists[$1].count }
        let c = 2 * (log(0.5) + log(Double(kept.count * items)) - log(Double(y)))
        let l = AdapTauLoss(warmupEpochs: 1)
        l.beginEpoch(1, context: context)
        #expect(abs(Double(l.w0) - c / 1.4) < 1e-5 * c)
        #expect(l.userScale.allSatisfy { $0 == l.w0 }, "no losses gathered yet: every user at w0")

        // Losses of one batch: every user once, rows of 3 cosines each.
        l.beginBatch(rows: users)
        var stats: [Double] = []
        for u in 0..<users {
            var r = RowFixture(width: 4, seed: 20 + UInt64(u), cosines: true)
            r.masked = []
            r.user = Int32(u)
            r.index = u
            stats.append(LossReference.logSumExp(r.logits.dropFirst().map(Double.init)) - Double(r.logits[0]))
            _ = r.run(l)
        }
        l.endBatch(users: (0..<users).map(Int32.init))
        l.beginEpoch(2, context: context)
        // After the warm-up: w0 = c / (2 (mu_pos - mu_all)).
        var meanItem = [Double](repeating: 0, count: d)
        for i in 0..<items { for k in 0..<d { meanItem[k] += Double(I[i, k]) / Double(items) } }
        var all = 0.0, pos = 0.0
        for u in kept {
            for k in 0..<d { all += Double(U[u, k]) * meanItem[k] }
            for i in lists[u] { for k in 0..<d { pos += Double(U[u, k]) * Double(I[Int(i), k]) } }
        }
        let w0 = c / (2 * (pos / Double(y) - all / Double(kept.count)))
        #expect(w0 > 0, "the fixture's users are near their items")
        #expect(abs(Double(l.w0) - w0) < 1e-4 * abs(w0))
        // w_u = w0 exp(-W(z)), z = clamp((x_u - q_0.9) / 0.25, -1/e, 1000), x_u the user's
        // temperature-1 loss without the positive in the partition.
        let sorted = stats.sorted()
        let q = sorted[Int((Double(users - 1) * 0.9).rounded())]
        for u in 0..<users {
            let z = min(max((stats[u] - q) / 0.25, -1 / M_E), 1000)
            let w = referenceLambertW(z)
            #expect(abs(Double(l.userScale[u]) - Double(l.w0) * exp(-w)) < 1e-4 * Double(l.w0), "user \(u)")
        }
        #expect(Set(l.userScale).count > 1, "losses that differ give scales that differ")
    }

    /// The temperature-1 statistic of a wide row is estimated from its first columns; with
    /// enough columns it is exact.
    @Test func theStatisticEstimatesTheTemperatureOneLoss() {
        var r = RowFixture(width: 1200, seed: 31, cosines: true)
        r.masked = [3, 5, 700]
        let cols = r.negativeColumns
        let exact = LossReference.logSumExp(cols.map { Double(r.logits[$0]) }) - Double(r.logits[0])
        for (columns, tolerance) in [(256, 0.05), (5000, 1e-4)] {
            let l = AdapTauLoss(warmupEpochs: 1)
            l.statisticColumns = columns
            l.beginBatch(rows: 1)
            _ = r.run(l)
            l.endBatch(users: [0])
            let got = Double(l.state()["loss_sum"]![0])
            #expect(abs(got - exact) < tolerance, "\(columns) columns: \(got) vs \(exact)")
        }
    }

    @Test func stateRoundTrips() throws {
        let l = AdapTauLoss(warmupEpochs: 1)
        let context = LossEpochContext(users: Matrix(rows: 2, cols: 2), items: Matrix(rows: 2, cols: 2), offsets: [0, 1, 2], trainItems: [0, 1])
        l.beginEpoch(1, context: context)
        l.beginBatch(rows: 1)
        var r = RowFixture(width: 5, seed: 30, cosines: true)
        r.user = 1
        _ = r.run(l)
        l.endBatch(users: [1])
        let other = AdapTauLoss(warmupEpochs: 1)
        try other.restore(l.state())
        #expect(other.state() == l.state())
        #expect(l.state()["loss_count"] == [0, 1])
        #expect(throws: LossStateError.self) { try other.restore(["loss_sum": [1]]) }
    }
}

/// W0(z) by bisection on w e^w = z over [-1, 10].
func referenceLambertW(_ z: Double) -> Double {
    var lo = -1.0, hi = 10.0
    for _ in 0..<200 {
        let mid = (lo + hi) / 2
        if mid * exp(mid) < z { lo = mid } else { hi = mid }
    }
    return (lo + hi) / 2
}

@Suite struct LambertWTests {
    @Test func principalBranchSolvesWExpWEqualsZ() {
        for z in [-1 / M_E, -0.36, -0.3, -0.1, -1e-6, 0, 1e-6, 0.5, 1, M_E, 2.9, 3.1, 10, 100, 1000, 1e5] {
            let w = LambertW.principal(z)
            #expect(abs(w - referenceLambertW(z)) < 1e-9 * max(1, abs(w)), "W(\(z)) = \(w)")
        }
        #expect(LambertW.principal(M_E) == 1 || abs(LambertW.principal(M_E) - 1) < 1e-14)
        #expect(LambertW.principal(-1) == -1, "below the branch point clamps to -1")
    }
}
