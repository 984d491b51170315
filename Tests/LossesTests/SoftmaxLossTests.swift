import Testing
import TestSupport
@testable import Losses

@Suite struct SoftmaxLossTests {
    let loss = SoftmaxLoss(temperature: 0.1)

    @Test func valueIsMinusLogSoftmaxOfThePositive() {
        let row = RowFixture(width: 37, seed: 1)
        let reference = LossReference.softmax(positive: Double(row.logits[0]), negatives: row.negativeColumns.map { Double(row.logits[$0]) })
        #expect(close(row.run(loss).value, reference))
    }

    @Test(arguments: [0, 40, 400] as [Float])
    func gradientMatchesFiniteDifferences(slack: Float) {
        // A loose shift bound (slack 40) is the normal case; 400 underflows every exp and takes
        // the exact fallback, which must give the same loss and gradient.
        var row = RowFixture(width: 37, seed: 2)
        row.slack = slack
        expectRowContract(loss, row)
        var exact = row
        exact.slack = 0
        #expect(close(row.run(loss).value, Double(exact.run(loss).value), 1e-5))
    }

    @Test func gradientIsSoftmaxMinusOneHot() {
        let row = RowFixture(width: 9, seed: 3)
        let g = row.run(loss).gradient
        // Probabilities of every column minus 1 at the positive sum to 0.
        #expect(abs(g.reduce(0, +)) < 1e-5)
        #expect(g[0] < 0 && row.negativeColumns.allSatisfy { g[$0] > 0 })
    }
}

@Suite struct BSLLossTests {
    let loss = BSLLoss(temperature: 0.08, weight: 1.22)

    @Test func valueLeavesThePositiveOutOfThePartition() {
        let row = RowFixture(width: 41, seed: 4)
        let negatives = row.negativeColumns.map { Double(row.logits[$0]) }
        #expect(close(row.run(loss).value, LossReference.bsl(positive: Double(row.logits[0]), negatives: negatives, weight: 1.22)))
        // With weight 1 it differs from the softmax by the positive's share of the partition.
        #expect(close(row.run(BSLLoss(temperature: 0.08, weight: 1)).value, LossReference.bsl(positive: Double(row.logits[0]), negatives: negatives, weight: 1)))
    }

    @Test(arguments: [0, 40, 400] as [Float])
    func gradientMatchesFiniteDifferences(slack: Float) {
        var row = RowFixture(width: 41, seed: 5)
        row.slack = slack
        expectRowContract(loss, row)
        // d/d(positive) is exactly -1; the negatives' gradients sum to the weight.
        let g = row.run(loss).gradient
        #expect(g[0] == -1)
        #expect(abs(g.dropFirst().reduce(0, +) - 1.22) < 1e-5)
    }

    @Test func aRowWithEveryNegativeMaskedCostsMinusThePositive() {
        var row = RowFixture(width: 4, seed: 6)
        row.masked = [1, 2, 3]
        let (value, g) = row.run(loss)
        #expect(value == -row.logits[0])
        #expect(g == [-1, 0, 0, 0])
    }
}

@Suite struct BPRLossTests {
    let loss = BPRLoss(temperature: 0.1)

    @Test func valueIsTheMeanSoftplusOfTheMargins() {
        // Widths that leave 0, 3 and 7 columns after the 8-wide blocks.
        for width in [33, 36, 40] {
            let row = RowFixture(width: width, seed: UInt64(width))
            let reference = LossReference.bpr(positive: Double(row.logits[0]), negatives: row.negativeColumns.map { Double(row.logits[$0]) })
            #expect(close(row.run(loss).value, reference, 1e-5), "width \(width)")
        }
    }

    @Test func gradientMatchesFiniteDifferences() {
        expectRowContract(loss, RowFixture(width: 30, seed: 7))
        let g = RowFixture(width: 30, seed: 7).run(loss).gradient
        #expect(abs(g.reduce(0, +)) < 1e-6, "the positive's gradient is minus the negatives' sum")
    }
}
