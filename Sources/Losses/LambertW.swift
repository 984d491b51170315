#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The principal branch W0 of the Lambert W function: the w >= -1 with w e^w = z, for
/// z >= -1/e.
enum LambertW {
    /// W0(z) by Halley's iteration from a branch-point or logarithmic start; accurate to a
    /// few ulps of Double over [-1/e, 1e6].
    static func principal(_ z: Double) -> Double {
        let branch = -1 / M_E
        if z <= branch { return -1 }
        if z == 0 { return 0 }
        var w: Double
        if z < -0.25 {
            // Series about the branch point: W = -1 + p - p^2/3 + 11 p^3 / 72, p = sqrt(2(ez + 1)).
            let p = (2 * (M_E * z + 1)).squareRoot()
            w = -1 + p - p * p / 3 + 11 * p * p * p / 72
        } else if z < 3 {
            w = log1p(z) * 0.75
        } else {
            let l = log(z)
            w = l - log(l)
        }
        for _ in 0..<32 {
            let ew = exp(w)
            let f = w * ew - z
            let denominator = ew * (w + 1) - (w + 2) * f / (2 * w + 2)
            if denominator == 0 || !denominator.isFinite { break }
            let next = w - f / denominator
            if abs(next - w) <= 1e-15 * max(1, abs(next)) { return next }
            w = next
        }
        return w
    }
}
