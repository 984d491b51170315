import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Sampling
@testable import Losses
@testable import Training

/// The batch engine with every loss: values against a direct Double computation from the
/// vectors (`LossReference`), gradients against central differences of the returned loss.
@Suite struct BatchLossTests {
    static let B = 3, d = 4, N = 4, M = 2
    /// Shared negative 1 is masked in every row; (0, 2) and (2, 3) too.
    static let sharedMasked: [Int32] = [1, 2, 5, 9, 11]
    /// Per-positive negatives (1, 0) and (2, 1).
    static let perPositiveMasked: [Int32] = [2, 5]

    /// Every loss with knobs that keep the fixture's scores in their interesting range.
    static let losses: [LossConfig] = LossKind.allCases.map { kind in
        var c = LossConfig(kind: kind)
        c.temperature = 0.2
        c.cclMargin = 0
        c.cclWeight = 2
        return c
    }

    private func makeInputs(seed: UInt64 = 41, scale: Float = 0.5) -> BatchLoss.Inputs {
        var rng = RandomSource(seed: seed)
        let B = Self.B, d = Self.d
        var x = BatchLoss.Inputs(users: randomMatrix(B, d, &rng, scale: scale), positives: randomMatrix(B, d, &rng, scale: scale), batch: B)
        x.userIDs = [2, 0, 1]
        x.shared = randomMatrix(Self.N, d, &rng, scale: scale)
        x.sharedLogQ = (0..<Self.N).map { _ in -1 - 2 * rng.unitFloat() }
        x.sharedMasked = Self.sharedMasked
        x.perPositive = randomMatrix(B * Self.M, d, &rng, scale: scale)
        x.perPositiveCount = Self.M
        x.perPositiveLogQ = (0..<(B * Self.M)).map { _ in -1 - 2 * rng.unitFloat() }
        x.perPositiveMasked = Self.perPositiveMasked
        return x
    }

    /// A fresh loss object for `config`, with Adap-tau's scales set to distinct values.
    private func makeLoss(_ config: LossConfig) -> any Loss {
        let loss = config.make()
        if let a = loss as? AdapTauLoss { a.w0 = 4; a.userScale = [3, 6, 5] }
        return loss
    }

    /// The batch loss computed directly in Double from the vectors.
    private func directLoss(_ x: BatchLoss.Inputs, _ config: LossConfig) -> Double {
        let B = x.batch, d = x.users.cols
        let N = x.shared?.rows ?? 0, M = x.perPositiveCount
        let loss = makeLoss(config)
        let a = Double(loss.logitScale)
        func dot(_ p: Matrix, _ i: Int, _ q: Matrix, _ j: Int) -> Double {
            var s = 0.0
            for k in 0..<d { s += Double(p[i, k]) * Double(q[j, k]) }
            return s
        }
        var total = 0.0
        for b in 0..<B {
            let pos = a * dot(x.users, b, x.positives, b)
            var negatives: [Double] = [], logQ: [Double] = []
            for j in 0..<N where !x.sharedMasked.contains(Int32(b * N + j)) {
                negatives.append(a * dot(x.users, b, x.shared!, j)); logQ.append(x.sharedLogQ.isEmpty ? 0 : Double(x.sharedLogQ[j]))
            }
            for m in 0..<M where !x.perPositiveMasked.contains(Int32(b * M + m)) {
                negatives.append(a * dot(x.users, b, x.perPositive!, b * M + m))
                logQ.append(x.perPositiveLogQ.isEmpty ? 0 : Double(x.perPositiveLogQ[b * M + m]))
            }
            let corrected = zip(negatives, logQ).map { $0 - $1 }
            let hasLogQ = !(x.sharedLogQ.isEmpty && x.perPositiveLogQ.isEmpty)
            switch config.kind {
            case .softmax: total += LossReference.softmax(positive: pos, negatives: corrected)
            case .bsl: total += LossReference.bsl(positive: pos, negatives: corrected, weight: Double(config.bslWeight))
            case .bpr: total += LossReference.bpr(positive: pos, negatives: corrected)
            case .ccl:
                total += LossReference.ccl(positive: pos, negatives: negatives, logQ: hasLogQ ? logQ : nil,
                                           margin: Double(config.cclMargin), weight: Double(config.cclWeight))
            case .adaptau:
                let l = loss as! AdapTauLoss
                total += LossReference.adaptau(positive: pos, negatives: negatives, logQ: hasLogQ ? logQ : nil,
                                               w0: Double(l.w0), wu: Double(l.userScale[Int(x.userIDs[b])]))
            }
        }
        return total / Double(B)
    }

    private func relClose(_ a: Double, _ b: Double, _ tol: Double = 1e-5) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

    @Test(arguments: BatchLossTests.losses)
    func lossEqualsDirectComputation(_ config: LossConfig) {
        let x = makeInputs()
        let loss = BatchLoss(makeLoss(config)).compute(x).loss
        #expect(relClose(loss, directLoss(x, config)), "\(config.kind): \(loss) vs \(directLoss(x, config))")
        // Without masks or logQ the loss is different (the fixture exercises both).
        var plain = x
        plain.sharedMasked = []; plain.perPositiveMasked = []; plain.sharedLogQ = []; plain.perPositiveLogQ = []
        let plainLoss = BatchLoss(makeLoss(config)).compute(plain).loss
        #expect(relClose(plainLoss, directLoss(plain, config)))
        #expect(abs(plainLoss - loss) > 1e-3)
    }

    @Test(arguments: BatchLossTests.losses)
    func gradientsMatchFiniteDifferences(_ config: LossConfig) {
        // Smaller vectors for CCL keep its positive below the kink at cosine 1.
        let x = makeInputs(scale: config.kind == .ccl ? 0.3 : 0.5)
        let lossFn = BatchLoss(makeLoss(config))
        let g = lossFn.compute(x).grads
        // Copy: the gradient matrices belong to the call's workspace.
        let gU = g.users.array, gP = g.positives.array, gS = g.shared!.array, gN = g.perPositive!.array
        func loss() -> Double { lossFn.compute(x).loss }
        expectGradientsMatch(gU, numericGradient(of: x.users, loss), "\(config.kind) users")
        expectGradientsMatch(gP, numericGradient(of: x.positives, loss), "\(config.kind) positives")
        expectGradientsMatch(gS, numericGradient(of: x.shared!, loss), "\(config.kind) shared")
        expectGradientsMatch(gN, numericGradient(of: x.perPositive!, loss), "\(config.kind) perPositive")
    }

    /// The softmax shift is a Cauchy-Schwarz bound on the logits. With a tiny temperature the
    /// bound overshoots by hundreds, every exp underflows and the row must fall back to its
    /// real maximum; a positive far below the maximum must still get its exact loss.
    @Test(arguments: [0.2, 0.02, 0.002] as [Float], [LossKind.softmax, .bsl])
    func lossStaysExactWhenTheShiftBoundOvershoots(tau: Float, kind: LossKind) {
        let x = makeInputs(seed: 7)
        var config = LossConfig(kind: kind)
        config.temperature = tau
        let (loss, g) = BatchLoss(config.make()).compute(x)
        let direct = directLoss(x, config)
        #expect(relClose(loss, direct, 1e-4), "tau \(tau): loss \(loss) vs direct \(direct)")
        #expect(abs(direct) > 10 || tau > 0.01, "the fixture should put some positive far below its row's maximum")
        for m in [g.users, g.positives, g.shared!, g.perPositive!] {
            #expect((0..<m.count).allSatisfy { m.data[$0].isFinite })
        }
    }

    @Test(arguments: BatchLossTests.losses)
    func maskedNegativesGetNoGradientAndDoNotChangeTheLoss(_ config: LossConfig) {
        let x = makeInputs()
        let lossFn = BatchLoss(makeLoss(config))
        let (loss, g) = lossFn.compute(x)
        // Shared negative 1 is masked for every row; per-positive rows 2 and 5 are masked.
        #expect(g.shared!.rowArray(1).allSatisfy { $0 == 0 }, "\(g.shared!.rowArray(1))")
        #expect(g.perPositive!.rowArray(2).allSatisfy { $0 == 0 })
        #expect(g.perPositive!.rowArray(5).allSatisfy { $0 == 0 })

        // Moving a masked negative onto its user (its logit becomes the largest in the row)
        // leaves the loss as it was.
        for (matrix, row, user) in [(x.perPositive!, 2, 1), (x.perPositive!, 5, 2), (x.shared!, 1, 0)] {
            let saved = matrix.rowArray(row)
            for k in 0..<Self.d { matrix[row, k] = 3 * x.users[user, k] }
            let moved = lossFn.compute(x).loss
            #expect(relClose(moved, loss, 1e-5), "\(config.kind): masked vector moved the loss: \(loss) -> \(moved)")
            for k in 0..<Self.d { matrix[row, k] = saved[k] }
        }
        // The same move of an unmasked negative does change it.
        let pp = x.perPositive!
        for k in 0..<Self.d { pp[0, k] = 3 * x.users[0, k] }
        #expect(abs(lossFn.compute(x).loss - loss) > 1e-3)
    }

    @Test func onlyPositivesGivesZeroLoss() {
        var rng = RandomSource(seed: 42)
        let x = BatchLoss.Inputs(users: randomMatrix(2, 3, &rng), positives: randomMatrix(2, 3, &rng), batch: 2)
        let (loss, g) = BatchLoss(SoftmaxLoss(temperature: 0.5)).compute(x)
        #expect(abs(loss) < 1e-6)
        #expect(g.users.array.allSatisfy { abs($0) < 1e-6 } && g.positives.array.allSatisfy { abs($0) < 1e-6 })
        #expect(g.shared == nil && g.perPositive == nil)
    }

    /// Reused (and stale, even NaN-filled) workspace buffers never leak into the results.
    @Test func workspaceReuseGivesIdenticalResults() {
        let x = makeInputs()
        let lossFn = BatchLoss(SoftmaxLoss(temperature: 0.2))
        let fresh = lossFn.compute(x)
        let reference = [fresh.grads.users, fresh.grads.positives, fresh.grads.shared!, fresh.grads.perPositive!].map(bits)

        let ws = BatchLoss.Workspace()
        // A different shape first, then poison every buffer the loss uses.
        var other = makeInputs(seed: 43)
        other.shared = nil; other.sharedLogQ = []; other.sharedMasked = []
        _ = lossFn.compute(other, workspace: ws)
        for (name, r, c) in [("logits", Self.B, 1 + Self.N + Self.M), ("rowLoss", 1, Self.B), ("gU", Self.B, Self.d),
                             ("gP", Self.B, Self.d), ("gS", Self.N, Self.d), ("gN", Self.B * Self.M, Self.d)] {
            ws.matrix(name, r, c, zeroed: false).fill(.nan)
        }
        for _ in 0..<2 {
            let again = lossFn.compute(x, workspace: ws)
            #expect(again.loss.bitPattern == fresh.loss.bitPattern)
            let got = [again.grads.users, again.grads.positives, again.grads.shared!, again.grads.perPositive!].map(bits)
            #expect(got == reference)
        }
    }

    /// With `itemGradient` the loss writes the positives', shared and per-positive negatives'
    /// gradients into one matrix, in that row order, with the same bits as its own buffers.
    @Test func itemGradientMatrixGetsTheSameGradients() {
        var x = makeInputs()
        let lossFn = BatchLoss(SoftmaxLoss(temperature: 0.2))
        let fresh = lossFn.compute(x).grads
        let items = Matrix(uninitializedRows: Self.B + Self.N + Self.B * Self.M + 2, cols: Self.d)
        items.fill(.nan)
        x.itemGradient = items
        let g = lossFn.compute(x).grads
        let B = Self.B, N = Self.N, d = Self.d
        #expect(bits(Matrix(rowsOf: items, first: 0, count: B)) == bits(fresh.positives))
        #expect(bits(Matrix(rowsOf: items, first: B, count: N)) == bits(fresh.shared!))
        #expect(bits(Matrix(rowsOf: items, first: B + N, count: B * Self.M)) == bits(fresh.perPositive!))
        #expect(g.positives.data == items.data && g.shared!.data == items.data + B * d && g.perPositive!.data == items.data + (B + N) * d)
        #expect(items.row(B + N + B * Self.M)[0].isNaN, "rows past the item-side vectors stay untouched")
    }
}
