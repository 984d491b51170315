import TestSupport
import Foundation
import Testing
import NumCore
@testable import Models

@Suite struct AdamTests {
    private func config(lr: Float = 0.01, weightDecay: Float = 0) -> AdamOptimizer.Config {
        var c = AdamOptimizer.Config()
        c.learningRate = lr
        c.beta1 = 0.9
        c.beta2 = 0.999
        c.epsilon = 1e-8
        c.weightDecay = weightDecay
        return c
    }

    /// Reference AdamW in Double: returns the new (x, m, v) after step `t`.
    private func reference(x: Double, m: Double, v: Double, g: Double, t: Int, c: AdamOptimizer.Config, decays: Bool)
        -> (x: Double, m: Double, v: Double) {
        let b1 = Double(c.beta1), b2 = Double(c.beta2)
        let m1 = b1 * m + (1 - b1) * g
        let v1 = b2 * v + (1 - b2) * g * g
        let lrT = Double(c.learningRate) * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
        let decay = decays ? Double(c.learningRate) * Double(c.weightDecay) : 0
        return (x - (lrT * m1 / (v1.squareRoot() + Double(c.epsilon)) + decay * x), m1, v1)
    }

    private func close(_ a: Float, _ b: Double, rel: Double = 1e-5, abs absTol: Double = 1e-7) -> Bool {
        let d = Swift.abs(Double(a) - b)
        return d <= absTol || d <= rel * Swift.abs(b)
    }

    @Test func denseStepsMatchHandComputation() {
        let c = config(lr: 0.01, weightDecay: 0.1)
        let opt = AdamOptimizer(config: c)
        // 11 elements: the 8-wide SIMD path and the scalar tail.
        let p = Parameter(name: "w", rows: 1, cols: 11)
        var rng = RandomSource(seed: 31)
        p.initNormal(std: 1, rng: &rng)
        var x = p.value.array.map(Double.init)
        var m = [Double](repeating: 0, count: 11), v = m
        for t in 1...3 {
            let g = (0..<11).map { _ in rng.normal() }
            for i in 0..<11 { p.grad.data[i] = g[i] }
            opt.update([p])
            #expect(opt.step == t)
            for i in 0..<11 {
                let r = reference(x: x[i], m: m[i], v: v[i], g: Double(g[i]), t: t, c: c, decays: true)
                (x[i], m[i], v[i]) = (r.x, r.m, r.v)
                #expect(close(p.value.data[i], x[i], rel: 1e-5, abs: 1e-6), "step \(t) value[\(i)] \(p.value.data[i]) vs \(x[i])")
                #expect(close(p.m.data[i], m[i]), "step \(t) m[\(i)]")
                #expect(close(p.v.data[i], v[i]), "step \(t) v[\(i)]")
            }
            #expect(p.grad.array.allSatisfy { $0 == 0 }, "update must clear the gradient")
        }
    }

    @Test func firstStepMovesByLearningRate() {
        let opt = AdamOptimizer(config: config(lr: 0.05))
        let p = Parameter(name: "w", rows: 2, cols: 2)
        p.grad.data.update(from: [3, -0.1, 1e3, -7], count: 4)
        opt.update([p])
        for (i, s) in [Float(-1), 1, -1, 1].enumerated() { #expect(abs(p.value.data[i] - s * 0.05) < 1e-5) }
    }

    @Test func weightDecayOnlyForDecayingParameters() {
        let opt = AdamOptimizer(config: config(lr: 0.1, weightDecay: 0.5))
        let w = Parameter(name: "w", rows: 1, cols: 3, decays: true)
        let b = Parameter(name: "b", rows: 1, cols: 3, decays: false)
        for p in [w, b] { p.value.data.update(from: [1, -2, 4], count: 3) }
        opt.update([w, b])   // zero gradients: only decay can move values
        #expect(b.value.array == [1, -2, 4])
        for (i, x) in [Float(1), -2, 4].enumerated() { #expect(abs(w.value.data[i] - x * (1 - 0.05)) < 1e-6) }
    }

    /// Lazy Adam: a row untouched for k steps, then touched, has the moments of a dense Adam
    /// that saw zero gradients in those steps (its value skips the drift of those steps).
    @Test func lazySparseRowsCatchUpOnMoments() {
        let c = config(lr: 0.02)
        let sparse = Parameter(name: "s", rows: 4, cols: 3, sparse: true)
        let dense = Parameter(name: "d", rows: 4, cols: 3)
        var rng = RandomSource(seed: 32)
        sparse.initNormal(std: 1, rng: &rng)
        dense.value.assign(sparse.value)
        let initial = sparse.value.copy()
        let optS = AdamOptimizer(config: c), optD = AdamOptimizer(config: c)
        let schedule: [[Int]] = [[0, 2], [0], [0], [0, 2]]
        var row2AfterStep1: [Float] = []
        for (t, rows) in schedule.enumerated() {
            for r in rows {
                sparse.touch(Int32(r))
                for j in 0..<3 {
                    let g = rng.normal()
                    sparse.grad[r, j] = g
                    dense.grad[r, j] = g
                }
            }
            #expect(sparse.touchedRows == rows.map { Int32($0) })
            optS.update([sparse])
            optD.update([dense])
            #expect(sparse.touchedRows.isEmpty && sparse.grad.array.allSatisfy { $0 == 0 })
            if t == 0 {
                row2AfterStep1 = sparse.value.rowArray(2)
                #expect(sparse.rowStep == [1, 0, 1, 0])
            }
        }
        #expect(sparse.rowStep == [4, 0, 4, 0])
        // Row 0, touched every step, is plain Adam.
        for j in 0..<3 {
            #expect(close(sparse.value[0, j], Double(dense.value[0, j]), rel: 1e-6, abs: 1e-7))
            #expect(close(sparse.m[0, j], Double(dense.m[0, j]), rel: 1e-6))
            #expect(close(sparse.v[0, j], Double(dense.v[0, j]), rel: 1e-6))
        }
        // Row 2 skipped steps 2 and 3: same moments as dense Adam with zero gradients there.
        for j in 0..<3 {
            #expect(close(sparse.m[2, j], Double(dense.m[2, j]), rel: 1e-5), "m[2,\(j)] \(sparse.m[2, j]) vs \(dense.m[2, j])")
            #expect(close(sparse.v[2, j], Double(dense.v[2, j]), rel: 1e-5), "v[2,\(j)] \(sparse.v[2, j]) vs \(dense.v[2, j])")
        }
        // Its value moved at steps 1 and 4 only: x4 = x1 - lr_4 * m4 / (sqrt(v4) + eps).
        let lr4 = 0.02 * (1 - pow(0.999, 4.0)).squareRoot() / (1 - pow(0.9, 4.0))
        var driftDiffers = false
        for j in 0..<3 {
            let expected = Double(row2AfterStep1[j]) - lr4 * Double(sparse.m[2, j]) / (Double(sparse.v[2, j]).squareRoot() + 1e-8)
            #expect(close(sparse.value[2, j], expected, rel: 1e-5, abs: 1e-6))
            if abs(sparse.value[2, j] - dense.value[2, j]) > 1e-5 { driftDiffers = true }
        }
        #expect(driftDiffers, "dense Adam drifts in steps 2-3 through its momentum; lazy Adam does not")
        // Untouched rows never change.
        for r in [1, 3] {
            #expect(sparse.value.rowArray(r).map(\.bitPattern) == initial.rowArray(r).map(\.bitPattern))
            #expect(sparse.m.rowArray(r) == [0, 0, 0] && sparse.v.rowArray(r) == [0, 0, 0])
        }
    }

    @Test func restoredStepContinuesBiasCorrection() {
        let c = config(lr: 0.01)
        let a = AdamOptimizer(config: c), b = AdamOptimizer(config: c)
        let pa = Parameter(name: "p", rows: 2, cols: 3, sparse: true), pb = Parameter(name: "p", rows: 2, cols: 3, sparse: true)
        for step in 0..<3 {
            for j in 0..<3 { pa.grad[0, j] = Float(step + j) * 0.1 - 0.15 }
            pa.touch(0)
            a.update([pa])
        }
        // Copy the state into a fresh optimiser and parameter, as a checkpoint load does.
        pb.value.assign(pa.value); pb.m.assign(pa.m); pb.v.assign(pa.v); pb.rowStep = pa.rowStep
        b.restore(step: a.step)
        for p in [pa, pb] {
            for j in 0..<3 { p.grad[1, j] = 0.3 * Float(j) - 0.2; p.grad[0, j] = 0.1 }
            p.touch(1); p.touch(0)
        }
        a.update([pa]); b.update([pb])
        #expect(b.step == 4)
        #expect(bits(pa.value) == bits(pb.value))
        #expect(bits(pa.m) == bits(pb.m) && bits(pa.v) == bits(pb.v))
        #expect(pa.rowStep == pb.rowStep)
    }
}
