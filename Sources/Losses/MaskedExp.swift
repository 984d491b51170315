import NumCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The exponentials of a softmax-family loss over the columns `start..<width` of a row.
enum MaskedExp {
    /// In place over columns `start..<row.width`: `x_j = exp(x_j - shift)`, masked columns set
    /// to 0; returns their sum and the shift used.
    ///
    /// `shift` is normally an upper bound of the logits, not their maximum (no scan). If it
    /// overshoots the largest unmasked logit so far that every term underflows (only with tiny
    /// temperatures), the row is refilled and redone with its exact maximum. A sum of 0 means
    /// that every column in the range was masked.
    @inline(__always)
    static func expInPlace(_ r: LossRow, from start: Int, shift bound: Float, minimum: Float,
                           refill: () -> Void) -> (sum: Float, shift: Float) {
        let row = r.logits, width = r.width
        var shift = bound
        let sum0 = VectorMath.expShiftedInPlace(row + start, width - start, shift: bound, minimum: minimum)
        var sum = sum0
        // Masked logits are excluded by zeroing their exp after the shift.
        r.forEachMasked { j in sum -= row[j]; row[j] = 0 }
        // Recompute the sum when masking removed a large share (cancellation safety).
        if sum < 0.5 * sum0 { sum = 0; for j in start..<width { sum += row[j] } }
        if !(sum >= 1e-25) {
            refill()
            r.forEachMasked { j in row[j] = -.infinity }
            shift = -.infinity
            for j in start..<width { shift = max(shift, row[j]) }
            sum = 0
            if shift == -.infinity {
                for j in start..<width { row[j] = 0 }
                return (0, shift)
            }
            for j in start..<width { let e = expf(row[j] - shift); row[j] = e; sum += e }   // exp(-inf) = 0
        }
        return (sum, shift)
    }
}
