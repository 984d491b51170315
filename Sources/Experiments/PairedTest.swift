import Foundation

/// A paired two-sided t-test of one variant against the reference over the test users: each
/// user's metric (averaged over seeds) under the variant minus under the reference.
public struct PairedTest: Sendable, Equatable {
    /// Users with a value under both (users without test items are left out).
    public var users: Int
    /// Mean of the per-user differences (variant - reference).
    public var meanDifference: Double
    /// The t statistic, mean / (sd / sqrt(n)).
    public var t: Double
    /// Two-sided p-value under Student's t with n - 1 degrees of freedom.
    public var pValue: Double

    /// The test of `variant` against `reference` (same length, user by user; pairs with a
    /// non-finite value are skipped). Nil with fewer than two pairs. Identical values give
    /// t = 0 and p = 1.
    public init?(variant: [Double], reference: [Double]) {
        precondition(variant.count == reference.count, "one value per user on both sides")
        let d = zip(variant, reference).compactMap { a, b in a.isFinite && b.isFinite ? a - b : nil }
        guard d.count >= 2 else { return nil }
        let n = Double(d.count)
        let mean = d.reduce(0, +) / n
        let variance = d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        users = d.count
        meanDifference = mean
        if variance == 0 {
            t = mean == 0 ? 0 : (mean > 0 ? .infinity : -.infinity)
            pValue = mean == 0 ? 1 : 0
        } else {
            t = mean / (variance / n).squareRoot()
            pValue = Self.twoSidedP(t: t, degreesOfFreedom: n - 1)
        }
    }

    /// Stars for tables: `**` for p < 0.01, `*` for p < 0.05, nothing otherwise.
    public var marker: String { pValue < 0.01 ? "**" : (pValue < 0.05 ? "*" : "") }

    /// P(|T| >= |t|) for Student's t with `nu` degrees of freedom: I_{nu / (nu + t^2)}(nu / 2, 1 / 2).
    public static func twoSidedP(t: Double, degreesOfFreedom nu: Double) -> Double {
        guard t.isFinite else { return 0 }
        return min(1, max(0, regularizedIncompleteBeta(x: nu / (nu + t * t), a: nu / 2, b: 0.5)))
    }

    /// The regularised incomplete beta function I_x(a, b), by its continued fraction
    /// (modified Lentz), using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where that converges faster.
    static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logFront: Double = logBeta + a * log(x) + b * log(1 - x)
        if x < (a + 1) / (a + b + 2) { return exp(logFront) * continuedFraction(x: x, a: a, b: b) / a }
        return 1 - exp(logFront) * continuedFraction(x: 1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m), m2 = 2 * m
            // Even step.
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd step.
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-14 { break }
        }
        return h
    }
}
