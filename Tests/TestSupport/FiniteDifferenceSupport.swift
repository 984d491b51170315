// Finite-difference helpers shared by the test targets that check explicit backward passes.
import Foundation
import Testing
import NumCore

/// Step of the central differences: values are Float32 of scale 0.1-1.
public let fdEpsilon: Float = 1e-2
/// An analytic and a numeric derivative agree when within this relative error...
public let fdRelativeTolerance = 2e-2
/// ... or this absolute error.
public let fdAbsoluteTolerance = 2e-3

/// A `rows x cols` matrix of N(0, scale^2) samples.
public func randomMatrix(_ rows: Int, _ cols: Int, _ rng: inout RandomSource, scale: Float = 1) -> Matrix {
    let m = Matrix(rows: rows, cols: cols)
    for i in 0..<m.count { m.data[i] = rng.normal() * scale }
    return m
}

/// `sum(w ⊙ y)` over the first `w.count` elements of `y`, in Double.
public func weightedSum(_ y: Matrix, _ w: Matrix) -> Double {
    var s = 0.0
    for i in 0..<w.count { s += Double(y.data[i]) * Double(w.data[i]) }
    return s
}

/// Central differences of `loss` w.r.t. every element of `x`; each element is restored
/// bitwise afterwards. The divisor is the actual Float step taken.
public func numericGradient(of x: Matrix, eps: Float = fdEpsilon, _ loss: () -> Double) -> [Double] {
    var g = [Double](repeating: 0, count: x.count)
    for i in 0..<x.count {
        let original = x.data[i]
        let plus = original + eps, minus = original - eps
        x.data[i] = plus
        let lp = loss()
        x.data[i] = minus
        let lm = loss()
        x.data[i] = original
        g[i] = (lp - lm) / (Double(plus) - Double(minus))
    }
    return g
}

/// Whether an analytic derivative matches a numeric one.
public func derivativesAgree(_ a: Double, _ n: Double) -> Bool {
    let diff = abs(a - n)
    return diff <= fdAbsoluteTolerance || diff <= fdRelativeTolerance * max(abs(a), abs(n))
}

/// Expects every analytic derivative to match its finite difference, and the gradient not
/// to be identically zero (unless `allowZero`).
public func expectGradientsMatch(_ analytic: [Float], _ numeric: [Double], _ label: String, allowZero: Bool = false,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(analytic.count == numeric.count, "\(label): sizes differ", sourceLocation: sourceLocation)
    var bad: [String] = []
    for i in 0..<min(analytic.count, numeric.count) where !derivativesAgree(Double(analytic[i]), numeric[i]) {
        bad.append("[\(i)] analytic \(analytic[i]) numeric \(numeric[i])")
    }
    #expect(bad.isEmpty, "\(label): \(bad.count) of \(analytic.count) derivatives differ: \(bad.prefix(4).joined(separator: "; "))",
            sourceLocation: sourceLocation)
    if !allowZero {
        #expect(analytic.contains { abs($0) > 1e-4 }, "\(label): gradient is (nearly) zero, the check proves nothing",
                sourceLocation: sourceLocation)
    }
}

/// Bit patterns of a matrix (bitwise comparisons of checkpoints and optimiser state).
public func bits(_ m: Matrix) -> [UInt32] { m.array.map(\.bitPattern) }

