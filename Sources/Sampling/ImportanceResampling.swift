import Foundation
import NumCore

/// Sampling-importance-resampling of one negative slot (``Runs/CandidateSelection/resample``).
///
/// The slot's candidates were drawn from a proposal q; candidate k has the log-weight
/// w_k = z_k - log(n q_k), z_k being its logit at the loss's temperature. One candidate is
/// kept with probability exp(w_k) / sum_j exp(w_j), and the log of the slot's importance
/// estimate of the partition (relative to a uniform draw), log(mean_k exp(w_k)), is returned
/// with it: the kept negative's logQ is its logit minus that, so that in the loss its
/// corrected logit is the estimate itself.
enum ImportanceResampling {
    /// Keeps one of the `count` candidates whose log-weights are `weights[first..<first+count]`
    /// (overwritten with scratch values), with one draw from `rng`.
    @inline(__always)
    static func keep(weights: inout [Float], first: Int, count: Int, rng: inout RandomSource) -> (index: Int, logEstimate: Float) {
        var top = -Float.infinity
        for j in first..<(first + count) { top = max(top, weights[j]) }
        var total: Float = 0
        for j in first..<(first + count) { weights[j] = expf(weights[j] - top); total += weights[j] }
        var r = rng.unitFloat() * total
        var kept = first + count - 1
        for j in first..<(first + count) { r -= weights[j]; if r < 0 { kept = j; break } }
        return (kept, top + logf(total / Float(count)))
    }
}
