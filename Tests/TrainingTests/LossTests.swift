import Foundation
import Testing
import NumCore
import Sampling
@testable import Training

/// The sampled-softmax loss and virtual negatives: values against a direct Double
/// computation, gradients against central differences of the returned loss.
@Suite struct SampledSoftmaxLossTests {
    static let B = 3, d = 4, N = 4, M = 2, V = 2
    static let tau: Float = 0.2
    /// Shared negative 1 is masked in every row; (0, 2) and (2, 3) too.
    static let sharedMasked: [Int32] = [1, 2, 5, 9, 11]
    /// Per-positive negatives (1, 0) and (2, 1).
    static let perPositiveMasked: [Int32] = [2, 5]

    private func makeInputs(seed: UInt64 = 41) -> SampledSoftmaxLoss.Inputs {
        var rng = RandomSource(seed: seed)
        let B = Self.B, d = Self.d
        var x = SampledSoftmaxLoss.Inputs(users: randomMatrix(B, d, &rng, scale: 0.5),
                                          positives: randomMatrix(B, d, &rng, scale: 0.5), batch: B)
        x.shared = randomMatrix(Self.N, d, &rng, scale: 0.5)
        x.sharedLogQ = (0..<Self.N).map { _ in -1 - 2 * rng.unitFloat() }
        x.sharedMasked = Self.sharedMasked
        x.perPositive = randomMatrix(B * Self.M, d, &rng, scale: 0.5)
        x.perPositiveCount = Self.M
        x.perPositiveLogQ = (0..<(B * Self.M)).map { _ in -1 - 2 * rng.unitFloat() }
        x.perPositiveMasked = Self.perPositiveMasked
        x.virtualLogits = randomMatrix(B, Self.V, &rng, scale: 2)
        x.virtualCount = Self.V
        return x
    }

    /// The loss computed directly in Double: mean over rows of -log softmax of the positive
    /// among the unmasked logits.
    private func directLoss(_ x: SampledSoftmaxLoss.Inputs, tau: Float) -> Double {
        let B = x.batch, d = x.users.cols
        let N = x.shared?.rows ?? 0, M = x.perPositiveCount, V = x.virtualCount
        func dot(_ a: Matrix, _ i: Int, _ b: Matrix, _ j: Int) -> Double {
            var s = 0.0
            for k in 0..<d { s += Double(a[i, k]) * Double(b[j, k]) }
            return s
        }
        var total = 0.0
        for b in 0..<B {
            let pos = dot(x.users, b, x.positives, b) / Double(tau)
            var logits = [pos]
            for j in 0..<N where !x.sharedMasked.contains(Int32(b * N + j)) {
                logits.append(dot(x.users, b, x.shared!, j) / Double(tau) - (x.sharedLogQ.isEmpty ? 0 : Double(x.sharedLogQ[j])))
            }
            for m in 0..<M where !x.perPositiveMasked.contains(Int32(b * M + m)) {
                let q = x.perPositiveLogQ.isEmpty ? 0 : Double(x.perPositiveLogQ[b * M + m])
                logits.append(dot(x.users, b, x.perPositive!, b * M + m) / Double(tau) - q)
            }
            for v in 0..<V { logits.append(Double(x.virtualLogits![b, v])) }
            let mx = logits.max()!
            let lse = mx + log(logits.reduce(0) { $0 + exp($1 - mx) })
            total += lse - pos
        }
        return total / Double(B)
    }

    private func relClose(_ a: Double, _ b: Double, _ tol: Double = 1e-5) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

    @Test func lossEqualsDirectComputation() {
        let x = makeInputs()
        let loss = SampledSoftmaxLoss(temperature: Self.tau).compute(x).loss
        let direct = directLoss(x, tau: Self.tau)
        #expect(relClose(loss, direct), "loss \(loss) vs direct \(direct)")
        #expect(loss > 0)
        // Without masks or logQ the loss is different (the fixture exercises both).
        var plain = x
        plain.sharedMasked = []; plain.perPositiveMasked = []; plain.sharedLogQ = []; plain.perPositiveLogQ = []
        let plainLoss = SampledSoftmaxLoss(temperature: Self.tau).compute(plain).loss
        #expect(relClose(plainLoss, directLoss(plain, tau: Self.tau)))
        #expect(abs(plainLoss - loss) > 1e-2)
    }

    /// The softmax shift is a Cauchy-Schwarz bound on the logits. With a tiny temperature the
    /// bound overshoots by hundreds, every exp underflows and the row must fall back to its
    /// real maximum; a positive far below the maximum must still get its exact loss.
    @Test(arguments: [0.2, 0.02, 0.002] as [Float])
    func lossStaysExactWhenTheShiftBoundOvershoots(tau: Float) {
        let x = makeInputs(seed: 7)
        let (loss, g) = SampledSoftmaxLoss(temperature: tau).compute(x)
        let direct = directLoss(x, tau: tau)
        #expect(relClose(loss, direct, 1e-4), "tau \(tau): loss \(loss) vs direct \(direct)")
        #expect(direct > 10 || tau > 0.01, "the fixture should put some positive far below its row's maximum")
        for m in [g.users, g.positives, g.shared!, g.perPositive!] {
            #expect((0..<m.count).allSatisfy { m.data[$0].isFinite })
        }
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = makeInputs()
        let lossFn = SampledSoftmaxLoss(temperature: Self.tau)
        let g = lossFn.compute(x).grads
        // Copy: the gradient matrices belong to the call's workspace.
        let gU = g.users.array, gP = g.positives.array, gS = g.shared!.array, gN = g.perPositive!.array, gV = g.virtualLogits!.array
        func loss() -> Double { lossFn.compute(x).loss }
        expectGradientsMatch(gU, numericGradient(of: x.users, loss), "users")
        expectGradientsMatch(gP, numericGradient(of: x.positives, loss), "positives")
        expectGradientsMatch(gS, numericGradient(of: x.shared!, loss), "shared")
        expectGradientsMatch(gN, numericGradient(of: x.perPositive!, loss), "perPositive")
        expectGradientsMatch(gV, numericGradient(of: x.virtualLogits!, loss), "virtual logits")
    }

    @Test func maskedNegativesGetNoGradientAndDoNotChangeTheLoss() {
        let x = makeInputs()
        let lossFn = SampledSoftmaxLoss(temperature: Self.tau)
        let (loss, g) = lossFn.compute(x)
        // Shared negative 1 is masked for every row; per-positive rows 2 and 5 are masked.
        #expect(g.shared!.rowArray(1).allSatisfy { $0 == 0 }, "\(g.shared!.rowArray(1))")
        #expect(g.perPositive!.rowArray(2).allSatisfy { $0 == 0 })
        #expect(g.perPositive!.rowArray(5).allSatisfy { $0 == 0 })
        #expect(g.perPositive!.rowArray(0).contains { $0 != 0 }, "an unmasked negative has a gradient")

        // Moving a masked negative onto its user (its logit becomes the largest in the row)
        // leaves the loss as it was.
        for (matrix, row, user) in [(x.perPositive!, 2, 1), (x.perPositive!, 5, 2), (x.shared!, 1, 0)] {
            let saved = matrix.rowArray(row)
            for k in 0..<Self.d { matrix[row, k] = 3 * x.users[user, k] }
            let moved = lossFn.compute(x).loss
            #expect(relClose(moved, loss, 1e-5), "masked vector moved the loss: \(loss) -> \(moved)")
            for k in 0..<Self.d { matrix[row, k] = saved[k] }
        }
        // The same move of an unmasked negative does change it.
        let pp = x.perPositive!
        for k in 0..<Self.d { pp[0, k] = 3 * x.users[0, k] }
        #expect(abs(lossFn.compute(x).loss - loss) > 1e-2)
    }

    @Test func onlyPositivesGivesZeroLoss() {
        var rng = RandomSource(seed: 42)
        let x = SampledSoftmaxLoss.Inputs(users: randomMatrix(2, 3, &rng), positives: randomMatrix(2, 3, &rng), batch: 2)
        let (loss, g) = SampledSoftmaxLoss(temperature: 0.5).compute(x)
        #expect(abs(loss) < 1e-6)
        #expect(g.users.array.allSatisfy { abs($0) < 1e-6 } && g.positives.array.allSatisfy { abs($0) < 1e-6 })
        #expect(g.shared == nil && g.perPositive == nil && g.virtualLogits == nil)
    }

    /// Reused (and stale, even NaN-filled) workspace buffers never leak into the results.
    @Test func workspaceReuseGivesIdenticalResults() {
        let x = makeInputs()
        let lossFn = SampledSoftmaxLoss(temperature: Self.tau)
        let fresh = lossFn.compute(x)
        let reference = [fresh.grads.users, fresh.grads.positives, fresh.grads.shared!, fresh.grads.perPositive!, fresh.grads.virtualLogits!].map(bits)

        let ws = SampledSoftmaxLoss.Workspace()
        // A different shape first, then poison every buffer the loss uses.
        var other = makeInputs(seed: 43)
        other.shared = nil; other.sharedLogQ = []; other.sharedMasked = []
        _ = lossFn.compute(other, workspace: ws)
        for (name, r, c) in [("logits", Self.B, 1 + Self.N + Self.M + Self.V), ("rowLoss", 1, Self.B), ("gU", Self.B, Self.d),
                             ("gP", Self.B, Self.d), ("gS", Self.N, Self.d), ("gN", Self.B * Self.M, Self.d), ("gVL", Self.B, Self.V)] {
            ws.matrix(name, r, c, zeroed: false).fill(.nan)
        }
        for _ in 0..<2 {
            let again = lossFn.compute(x, workspace: ws)
            #expect(again.loss.bitPattern == fresh.loss.bitPattern)
            let got = [again.grads.users, again.grads.positives, again.grads.shared!, again.grads.perPositive!, again.grads.virtualLogits!].map(bits)
            #expect(got == reference)
        }
    }

    /// With `itemGradient` the loss writes the positives', shared and per-positive negatives'
    /// gradients into one matrix, in that row order, with the same bits as its own buffers.
    @Test func itemGradientMatrixGetsTheSameGradients() {
        var x = makeInputs()
        let lossFn = SampledSoftmaxLoss(temperature: Self.tau)
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

    private func make(_ r: VirtualRecipes, _ users: Matrix, _ pp: Matrix, _ pos: Matrix, M: Int) -> VirtualNegatives {
        VirtualNegatives(recipes: r, users: users, perPositive: pp, perPositiveCount: M, positives: pos, batch: Self.B, temperature: Self.tau)
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
        v.backward(w, userGrad: gU, perPositiveGrad: gPP, positiveGrad: gPos)
        expectGradientsMatch(gPP.array.map { $0 - 0.25 }, numericGradient(of: pp, loss), "per-positive negatives")
        expectGradientsMatch(gU.array.map { $0 - 0.25 }, numericGradient(of: users, loss), "users")
        if detach {
            #expect(gPos.array.allSatisfy { $0 == 0.25 }, "a detached positive must get no gradient")
        } else {
            expectGradientsMatch(gPos.array.map { $0 - 0.25 }, numericGradient(of: pos, loss), "positives")
        }
    }

    /// Virtual negatives fed into the loss, as the trainer does: the total gradient of the
    /// loss w.r.t. the users, the per-positive negatives and the positives (direct + through
    /// the virtual logits) matches finite differences.
    @Test(arguments: [3, 9])
    func lossThroughVirtualNegativesMatchesFiniteDifferences(M: Int) {
        var rng = RandomSource(seed: 53)
        let B = Self.B, d = Self.d
        let users = randomMatrix(B, d, &rng, scale: 0.5), pos = randomMatrix(B, d, &rng, scale: 0.5)
        let pp = randomMatrix(B * M, d, &rng, scale: 0.5)
        let r = recipes(detach: false)
        let lossFn = SampledSoftmaxLoss(temperature: Self.tau)
        func inputs() -> (SampledSoftmaxLoss.Inputs, VirtualNegatives) {
            var x = SampledSoftmaxLoss.Inputs(users: users, positives: pos, batch: B)
            x.perPositive = pp
            x.perPositiveCount = M
            x.perPositiveMasked = [4]
            let v = make(r, users, pp, pos, M: M)
            x.virtualLogits = v.logits
            x.virtualCount = Self.V
            return (x, v)
        }
        func loss() -> Double { lossFn.compute(inputs().0).loss }
        let (x, v) = inputs()
        let g = lossFn.compute(x).grads
        v.backward(g.virtualLogits!, userGrad: g.users, perPositiveGrad: g.perPositive, positiveGrad: g.positives)
        let gPP = g.perPositive!.array, gPos = g.positives.array, gU = g.users.array
        expectGradientsMatch(gPP, numericGradient(of: pp, loss), "per-positive (direct + virtual)")
        expectGradientsMatch(gPos, numericGradient(of: pos, loss), "positives (direct + virtual)")
        expectGradientsMatch(gU, numericGradient(of: users, loss), "users")

        // The trainer's route: the loss computes the virtual rows inside its own row loops.
        // Same arithmetic in the same order, so the same bits.
        var fused = SampledSoftmaxLoss.Inputs(users: users, positives: pos, batch: B)
        fused.perPositive = pp
        fused.perPositiveCount = M
        fused.perPositiveMasked = [4]
        fused.virtual = VirtualNegatives(recipes: r, users: users, perPositive: pp, perPositiveCount: M, positives: pos,
                                         batch: B, temperature: Self.tau, pool: nil)
        fused.virtualCount = Self.V
        let (fusedLoss, fg) = lossFn.compute(fused)
        #expect(fusedLoss == loss())
        #expect(fg.users.array == gU && fg.positives.array == gPos && fg.perPositive!.array == gPP)
        #expect(fg.virtualLogits == nil)
    }
}
