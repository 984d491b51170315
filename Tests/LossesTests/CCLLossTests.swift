import Testing
import TestSupport
@testable import Losses

@Suite struct CCLLossTests {
    let loss = CCLLoss(margin: 0.4, weight: 3)

    /// Cosines kept 0.02 away from the margin and from 1, where the loss has kinks.
    private func row(seed: UInt64, logQ: Bool = false) -> RowFixture {
        var r = RowFixture(width: 29, seed: seed, cosines: true, withLogQ: logQ)
        for j in 0..<r.logits.count where abs(r.logits[j] - 0.4) < 0.02 { r.logits[j] += 0.05 }
        return r
    }

    @Test(arguments: [false, true])
    func valueMatchesTheReference(logQ: Bool) {
        let r = row(seed: 8, logQ: logQ)
        let cols = r.negativeColumns
        let reference = LossReference.ccl(positive: Double(r.logits[0]), negatives: cols.map { Double(r.logits[$0]) },
                                          logQ: r.logQ.map { q in cols.map { Double(q[$0]) } }, margin: 0.4, weight: 3)
        #expect(close(r.run(loss).value, reference))
        #expect(cols.contains { r.logits[$0] > 0.4 } && cols.contains { r.logits[$0] < 0.4 }, "the fixture spans the margin")
    }

    @Test(arguments: [false, true])
    func gradientMatchesFiniteDifferences(logQ: Bool) {
        expectRowContract(loss, row(seed: 9, logQ: logQ))
    }

    @Test func negativesBelowTheMarginAndAPerfectPositiveCostNothing() {
        var r = RowFixture(width: 5, seed: 10)
        r.logits = [1, 0.1, 0.39, -0.5, 0.2]
        r.masked = []
        let (value, g) = r.run(loss)
        #expect(value == 0)
        #expect(g.allSatisfy { $0 == 0 })
    }
}
