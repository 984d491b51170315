import NumCore
import Runs

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adap-tau (Chen et al., "Adap-τ: Adaptively Modulating Embedding Magnitude for
/// Recommendation", WWW 2023): a softmax with the positive outside the partition and an
/// inverse temperature per user, on raw cosine scores s:
///
///   loss = -w0 * s_+ + log(sum_j exp(w_u * s_j - logQ_j)).
///
/// The global w0 is set before every epoch from the data and the model: with U' the users
/// above the 20th percentile of training-set size, Y' their interactions and
/// c = 2 (ln(1/2) + ln(|U'| |I|) - ln|Y'|), w0 = c / 1.4 during a warm-up, afterwards
/// w0 = c / (2 (mu_pos - mu_all)), mu_pos the mean cosine of Y' and mu_all the mean cosine of
/// U' with every item. The per-user w_u follows each user's mean loss x_u at temperature 1 over
/// the previous epoch: w_u = w0 exp(-W0(z_u)), z_u = clamp((x_u - q_0.9(x)) / 0.25, -1/e, 1000)
/// (W0 the Lambert function), so users whose loss is high (noisy, hard to fit) get a warmer
/// temperature and users the model already fits a colder one. Gradient: d/ds_+ = -w0,
/// d/ds_j = w_u softmax_j.
public final class AdapTauLoss: Loss, @unchecked Sendable {
    /// Epochs (1-based numbering: the first `warmupEpochs`) during which w0 = c / 1.4.
    public let warmupEpochs: Int
    /// Quantile of the users' losses that maps to z = 0 (w_u = w0).
    public let quantile: Double
    /// Loss spread that moves z by one.
    public let spread: Double
    /// Negatives (the row's first) from which the temperature-1 statistic's partition is estimated.
    public var statisticColumns = 256

    /// Global inverse temperature of the positive (and the reference for every user).
    public internal(set) var w0: Float = 1
    /// Inverse temperature of each user's negatives.
    public internal(set) var userScale: [Float] = []
    /// Per-user sums and counts of the temperature-1 loss over the current epoch.
    private var lossSum: [Float] = [], lossCount: [Int32] = []
    /// This batch's temperature-1 row losses, written row by row in parallel.
    private var rowStatistic: [Float] = []

    /// An Adap-tau loss with the authors' settings unless given.
    public init(warmupEpochs: Int, quantile: Double = 0.9, spread: Double = 0.25) {
        self.warmupEpochs = warmupEpochs
        self.quantile = quantile
        self.spread = spread
    }

    public var kind: LossKind { .adaptau }
    public var logitScale: Float { 1 }
    public var logQInLogits: Bool { false }
    public var usesEpochContext: Bool { true }

    public func beginEpoch(_ epoch: Int, context: LossEpochContext) {
        let users = context.users.rows
        if lossSum.count != users { lossSum = [Float](repeating: 0, count: users); lossCount = [Int32](repeating: 0, count: users) }
        w0 = Float(Self.globalScale(context: context, warm: epoch > warmupEpochs))
        // Per-user scales from the previous epoch's losses (none yet: every user at w0).
        var means: [Double] = []
        for u in 0..<users where lossCount[u] > 0 { means.append(Double(lossSum[u]) / Double(lossCount[u])) }
        userScale = [Float](repeating: w0, count: users)
        if !means.isEmpty {
            means.sort()
            let q = means[min(means.count - 1, Int((Double(means.count - 1) * quantile).rounded()))]
            for u in 0..<users where lossCount[u] > 0 {
                let z = min(max((Double(lossSum[u]) / Double(lossCount[u]) - q) / spread, -1 / M_E), 1000)
                let w = LambertW.principal(z)
                userScale[u] = w0 * Float(exp(-w))
            }
        }
        for u in 0..<users { lossSum[u] = 0; lossCount[u] = 0 }
    }

    /// w0 from the data and the current vectors (see the type's documentation).
    static func globalScale(context: LossEpochContext, warm: Bool) -> Double {
        let users = context.users.rows, items = context.items.rows, d = context.users.cols
        let sizes = (0..<users).map { context.offsets[$0 + 1] - context.offsets[$0] }
        let cut = sizes.sorted()[min(users - 1, Int(Double(users - 1) * 0.2))]
        let kept = (0..<users).filter { sizes[$0] > cut }
        let chosen = kept.isEmpty ? Array(0..<users) : kept
        let interactions = chosen.reduce(0) { $0 + sizes[$1] }
        let c = 2 * (log(0.5) + log(Double(chosen.count) * Double(items)) - log(Double(max(interactions, 1))))
        if !warm { return c / 1.4 }
        // mu_all: mean over chosen users of <u, mean item>; mu_pos: mean cosine of their pairs.
        var meanItem = [Float](repeating: 0, count: d)
        for i in 0..<items { VectorMath.axpy(1 / Float(items), context.items.row(i), &meanItem, d) }
        var all = 0.0, pos = 0.0
        for u in chosen {
            let uv = context.users.row(u)
            all += Double(VectorMath.dot(uv, meanItem, d))
            for k in context.offsets[u]..<context.offsets[u + 1] {
                pos += Double(VectorMath.dot(uv, context.items.row(Int(context.trainItems[k])), d))
            }
        }
        let gap = pos / Double(max(interactions, 1)) - all / Double(chosen.count)
        return gap > 1e-3 ? c / (2 * gap) : c / 1.4
    }

    public func beginBatch(rows: Int) {
        if rowStatistic.count < rows { rowStatistic = [Float](repeating: 0, count: rows) }
    }

    public func row(_ r: LossRow, refill: () -> Void) -> Float {
        let row = r.logits, width = r.width
        let wu = userScale.isEmpty ? w0 : userScale[Int(r.user)], w0 = self.w0
        let pos = row[0]
        // The row's loss at temperature 1 (raw cosines, masked negatives left out), gathered
        // per user for the next epoch's w_u. Its partition is estimated from the first
        // `statisticColumns` negatives (scaled by the share they are of the row): the statistic
        // is a mean over a user's rows of an epoch, and a full pass cost as much as the loss's
        // own exponentials. Cosines lie in [-1, 1]: shift by 1.
        let sample = min(width - 1, statisticColumns)
        var raw = VectorMath.sumExpShifted(row + 1, sample, shift: 1)
        var sampled = sample
        r.forEachMasked { j in if j <= sample { raw -= expf(row[j] - 1); sampled -= 1 } }
        let unmasked = width - 1 - r.maskedCount
        rowStatistic[r.index] = raw > 0 && sampled > 0 ? logf(raw * Float(unmasked) / Float(sampled)) + 1 - pos : 0
        // Negative logits at the user's scale, then a softmax over them. The engine's bounds
        // hold for the raw cosines, so scaled they bound the new logits: no scan for a shift.
        let q = logQBounds(r)
        @inline(__always) func scale() {
            if let logQ = r.logQ {
                for j in 1..<width { row[j] = wu * row[j] - logQ[j] }
            } else {
                for j in 1..<width { row[j] *= wu }
            }
        }
        scale()
        let (sum, shift) = MaskedExp.expInPlace(r, from: 1, shift: wu * r.upperBound - q.min, minimum: wu * r.lowerBound - q.max) {
            refill(); scale()
        }
        row[0] = -w0 / r.batchSize
        guard sum > 0 else { return -w0 * pos }
        let g = wu / (sum * r.batchSize)
        for j in 1..<width { row[j] *= g }
        return logf(sum) + shift - w0 * pos
    }

    /// Smallest and largest logQ of the row's negatives (0 when there is none).
    private func logQBounds(_ r: LossRow) -> (min: Float, max: Float) {
        guard let logQ = r.logQ, r.width > 1 else { return (0, 0) }
        var lo = Float.infinity, hi = -Float.infinity
        for j in 1..<r.width { lo = Swift.min(lo, logQ[j]); hi = Swift.max(hi, logQ[j]) }
        return (lo, hi)
    }

    public func endBatch(users: [Int32]) {
        if let top = users.max(), Int(top) >= lossSum.count {
            lossSum += [Float](repeating: 0, count: Int(top) + 1 - lossSum.count)
            lossCount += [Int32](repeating: 0, count: Int(top) + 1 - lossCount.count)
        }
        for (b, u) in users.enumerated() {
            lossSum[Int(u)] += rowStatistic[b]
            lossCount[Int(u)] += 1
        }
    }

    public func state() -> [String: [Float]] {
        ["loss_sum": lossSum, "loss_count": lossCount.map { Float($0) }]
    }

    public func restore(_ state: [String: [Float]]) throws {
        guard let s = state["loss_sum"], let c = state["loss_count"], s.count == c.count else {
            throw LossStateError("Adap-tau state needs loss_sum and loss_count of one length")
        }
        lossSum = s
        lossCount = c.map { Int32($0) }
    }
}
