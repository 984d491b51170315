import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Sampling
import Losses
@testable import Training

@Suite struct VirtualNegativesTests {
    // d = 20 runs the 16-wide register path and the scalar tail of the backward. M = 3 takes
    // the 8-wide path (K <= 8 vectors per row), M = 9 the general one.
    static let B = 2, d = 20, V = 2

    private func recipes(detach: Bool) -> VirtualRecipes {
        var r = VirtualRecipes(perRow: Self.V, detachPositive: detach)
        r.add([(source: 0, weight: 0.6), (source: 1, weight: 0.4)])                          // row 0
        r.add([(source: 2, weight: 0.5), (source: -1, weight: 0.5)])                         // row 0
        r.add([(source: 1, weight: 1)])                                                      // row 1
        // A source may appear twice in one recipe.
        r.add([(source: 0, weight: 0.2), (source: 2, weight: 0.3), (source: -1, weight: 0.4), (source: 0, weight: 0.1)]) // row 1
        return r
    }

    static let tau: Float = 0.3

    /// Virtual negatives with every row's logits computed.
    private func make(_ r: VirtualRecipes, _ users: Matrix, _ pp: Matrix, _ pos: Matrix, M: Int) -> VirtualNegatives {
        let v = VirtualNegatives(recipes: r, users: users, perPositive: pp, perPositiveCount: M, positives: pos, batch: Self.B, logitScale: 1 / Self.tau)
        v.withRows { pass in for b in 0..<Self.B { pass.forward(b) } }
        return v
    }

    /// `perRow` random recipes per row over the positive and `M` negatives (1 to 4 terms each).
    private func randomRecipes(perRow: Int, M: Int, detach: Bool, _ rng: inout RandomSource) -> VirtualRecipes {
        var r = VirtualRecipes(perRow: perRow, detachPositive: detach)
        for _ in 0..<(Self.B * perRow) {
            r.add((0..<(1 + rng.below(4))).map { _ in (source: Int32(rng.below(M + 1) - 1), weight: rng.unitFloat() + 0.1) })
        }
        return r
    }

    @Test(arguments: [3, 9])
    func logitsAreUserDotsWithNormalisedWeightedSums(M: Int) {
        var rng = RandomSource(seed: 51)
        let users = randomMatrix(Self.B, Self.d, &rng, scale: 0.5)
        let pp = randomMatrix(Self.B * M, Self.d, &rng, scale: 0.5), pos = randomMatrix(Self.B, Self.d, &rng, scale: 0.5)
        // Two hand-written recipes per row, and 19 random ones (eight at a time, then three).
        for (r, V) in [(recipes(detach: true), Self.V), (randomRecipes(perRow: 19, M: M, detach: true, &rng), 19)] {
            checkLogits(r, V: V, users, pp, pos, M: M)
        }
    }

    private func checkLogits(_ r: VirtualRecipes, V: Int, _ users: Matrix, _ pp: Matrix, _ pos: Matrix, M: Int) {
        let v = make(r, users, pp, pos, M: M)
        #expect(v.logits.rows == Self.B && v.logits.cols == V)
        for vr in 0..<(Self.B * V) {
            let b = vr / V
            var z = [Double](repeating: 0, count: Self.d)
            for t in Int(r.termStart[vr])..<Int(r.termStart[vr + 1]) {
                let src = Int(r.termSource[t])
                for k in 0..<Self.d {
                    let e = src < 0 ? pos[b, k] : pp[b * M + src, k]
                    z[k] += Double(r.termWeight[t]) * Double(e)
                }
            }
            let n = z.reduce(0) { $0 + $1 * $1 }.squareRoot()
            var logit = 0.0
            for k in 0..<Self.d { logit += Double(users[b, k]) * z[k] / n }
            logit /= Double(Self.tau)
            #expect(abs(Double(v.logits.data[vr]) - logit) < 1e-4 * max(1, abs(logit)), "\(v.logits.data[vr]) vs \(logit)")
        }
    }

    @Test(arguments: [false, true], [3, 9])
    func backwardMatchesFiniteDifferences(detach: Bool, M: Int) {
        var rng = RandomSource(seed: 52)
        let users = randomMatrix(Self.B, Self.d, &rng, scale: 0.5)
        let pp = randomMatrix(Self.B * M, Self.d, &rng, scale: 0.5), pos = randomMatrix(Self.B, Self.d, &rng, scale: 0.5)
        checkBackward(recipes(detach: detach), V: Self.V, detach: detach, users, pp, pos, M: M, &rng)
        checkBackward(randomRecipes(perRow: 11, M: M, detach: detach, &rng), V: 11, detach: detach, users, pp, pos, M: M, &rng)
    }

    private func checkBackward(_ r: VirtualRecipes, V: Int, detach: Bool, _ users: Matrix, _ pp: Matrix, _ pos: Matrix, M: Int,
                               _ rng: inout RandomSource) {
        let w = randomMatrix(Self.B, V, &rng)
        func loss() -> Double { weightedSum(make(r, users, pp, pos, M: M).logits, w) }
        let v = make(r, users, pp, pos, M: M)
        // Backward adds to the gradients it is given.
        let gPP = Matrix(rows: Self.B * M, cols: Self.d), gPos = Matrix(rows: Self.B, cols: Self.d), gU = Matrix(rows: Self.B, cols: Self.d)
        gPP.fill(0.25); gPos.fill(0.25); gU.fill(0.25)
        v.withRows { pass in
            for b in 0..<Self.B { pass.backward(b, grad: w.row(b), userGrad: gU, perPositiveGrad: gPP, positiveGrad: gPos) }
        }
        expectGradientsMatch(gPP.array.map { $0 - 0.25 }, numericGradient(of: pp, loss), "per-positive negatives")
        expectGradientsMatch(gU.array.map { $0 - 0.25 }, numericGradient(of: users, loss), "users")
        if detach {
            #expect(gPos.array.allSatisfy { $0 == 0.25 }, "a detached positive must get no gradient")
        } else {
            expectGradientsMatch(gPos.array.map { $0 - 0.25 }, numericGradient(of: pos, loss), "positives")
        }
    }

    /// Virtual negatives inside the loss, as the trainer computes them (row by row in the
    /// loss's own row loops): the total gradient of every loss w.r.t. the users, the
    /// per-positive negatives and the positives (direct + through the virtual logits) matches
    /// finite differences.
    @Test(arguments: [3, 9], LossKind.allCases)
    func lossThroughVirtualNegativesMatchesFiniteDifferences(M: Int, kind: LossKind) {
        var rng = RandomSource(seed: 53)
        let B = Self.B, d = Self.d
        // Unit rows, as the towers give: every cosine lies in [-1, 1], so CCL's margin of -1.5
        // keeps every term on one side of its kink (finite differences across a kink disagree).
        func unitRows(_ n: Int) -> Matrix {
            let m = randomMatrix(n, d, &rng)
            for r in 0..<n { let s = 1 / VectorMath.dot(m.row(r), m.row(r), d).squareRoot(); for k in 0..<d { m.row(r)[k] *= s } }
            return m
        }
        let users = unitRows(B), pos = unitRows(B), pp = unitRows(B * M)
        let r = recipes(detach: false)
        var config = LossConfig(kind: kind)
        config.temperature = Self.tau
        config.cclMargin = -1.5
        config.cclWeight = 3
        let lossFn = BatchLoss(config.make())
        func inputs() -> BatchLoss.Inputs {
            var x = BatchLoss.Inputs(users: users, positives: pos, batch: B)
            x.perPositive = pp
            x.perPositiveCount = M
            x.perPositiveMasked = [4]
            x.virtual = VirtualNegatives(recipes: r, users: users, perPositive: pp, perPositiveCount: M, positives: pos,
                                         batch: B, logitScale: lossFn.loss.logitScale)
            return x
        }
        func loss() -> Double { lossFn.compute(inputs()).loss }
        let g = lossFn.compute(inputs()).grads
        let gPP = g.perPositive!.array, gPos = g.positives.array, gU = g.users.array
        expectGradientsMatch(gPP, numericGradient(of: pp, loss), "\(kind) per-positive (direct + virtual)")
        expectGradientsMatch(gPos, numericGradient(of: pos, loss), "\(kind) positives (direct + virtual)")
        expectGradientsMatch(gU, numericGradient(of: users, loss), "\(kind) users")
    }
}
