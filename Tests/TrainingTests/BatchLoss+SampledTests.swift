import Testing
import NumCore
import Runs
import Sampling
@testable import Training

/// The loss inputs both trainers build from a sampler's output.
@Suite struct BatchLossSampledTests {
    static let B = 3, N = 2, M = 2, d = 4

    /// A sampler's output with every kind of negative: shared ones with logQ, per-positive ones
    /// with logQ, and one virtual negative per row.
    static func negatives(shared: Bool = true, perPositive: Bool = true) -> NegativeBatch {
        var neg = NegativeBatch()
        if shared { neg.shared = [40, 41]; neg.sharedLogQ = [0.5, -0.5] }
        if perPositive {
            neg.perPositive = [10, 11, 20, 21, 30, 31]
            neg.perPositiveCount = M
            neg.perPositiveLogQ = [1, 2, 3, 4, 5, 6]
            var r = VirtualRecipes(perRow: 1)
            for _ in 0..<B { r.add([(source: 0, weight: 0.5), (source: 1, weight: 0.5)]) }
            neg.virtual = r
        }
        return neg
    }

    @Test func itemRowsAreThePositivesThenTheSharedThenThePerPositiveNegatives() {
        let batch = BatchRequest(users: [7, 8, 9], positives: [1, 2, 3])
        #expect(BatchLoss.Inputs.itemIDs(batch, Self.negatives()) == [1, 2, 3, 40, 41, 10, 11, 20, 21, 30, 31])
        #expect(BatchLoss.Inputs.itemIDs(batch, Self.negatives(shared: false)) == [1, 2, 3, 10, 11, 20, 21, 30, 31])
    }

    @Test func negativesAreViewsOfTheItemRowsWithTheSamplersLogQAndTheScansMasks() {
        let (B, N, M, d) = (Self.B, Self.N, Self.M, Self.d)
        let batch = BatchRequest(users: [7, 8, 9], positives: [1, 2, 3])
        let neg = Self.negatives()
        let users = Matrix(rows: B, cols: d), items = Matrix(rows: B + N + B * M, cols: d), dItems = Matrix(rows: items.rows, cols: d)
        let masks = BatchNegatives.Scan(shared: [1, 4], perPositive: [3])
        let x = BatchLoss.Inputs(batch: batch, negatives: neg, masks: masks, users: users, items: items, itemGradient: dItems,
                                 logitScale: 5, meanOver: 12)
        #expect(x.batch == B && x.userIDs == batch.users && x.meanOver == 12 && x.itemGradient === dItems)
        #expect(x.users === users && x.positives === items)
        #expect(x.shared?.data == items.data + B * d && x.shared?.rows == N)
        #expect(x.perPositive?.data == items.data + (B + N) * d && x.perPositive?.rows == B * M && x.perPositiveCount == M)
        #expect(x.sharedLogQ == neg.sharedLogQ && x.perPositiveLogQ == neg.perPositiveLogQ)
        #expect(x.sharedMasked == [1, 4] && x.perPositiveMasked == [3])
        #expect(x.virtualCount == 1 && x.logitWidth == 1 + N + M + 1)
        // Row 0's virtual negative mixes its two per-positive negatives, both e_0 here, and is
        // scored with the loss's logit scale: 5 <e_0, e_0>.
        users[0, 0] = 1
        items[B + N, 0] = 1; items[B + N + 1, 0] = 1
        let logit = x.virtual.map { v in v.withRows { $0.forward(0)[0] } }
        #expect(logit == 5)
    }

    @Test func kindsOfNegativesTheSamplerDidNotSendStayEmpty() {
        let batch = BatchRequest(users: [7, 8, 9], positives: [1, 2, 3])
        let users = Matrix(rows: Self.B, cols: Self.d), items = Matrix(rows: Self.B + Self.N, cols: Self.d)
        let masks = BatchNegatives.Scan(shared: [2])
        let x = BatchLoss.Inputs(batch: batch, negatives: Self.negatives(perPositive: false), masks: masks, users: users, items: items,
                                 itemGradient: Matrix(rows: items.rows, cols: Self.d), logitScale: 1)
        #expect(x.shared?.rows == Self.N && x.perPositive == nil && x.perPositiveCount == 0 && x.virtual == nil && x.meanOver == nil)
        let none = BatchLoss.Inputs(batch: batch, negatives: NegativeBatch(), masks: BatchNegatives.Scan(), users: users, items: items,
                                    itemGradient: Matrix(rows: Self.B, cols: Self.d), logitScale: 1)
        #expect(none.shared == nil && none.sharedMasked.isEmpty && none.logitWidth == 1)
    }
}
