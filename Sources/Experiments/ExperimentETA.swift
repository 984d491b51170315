/// The time an experiment has left, extrapolated from the runs it has trained: each run not
/// yet done is expected to take the mean time of the trained runs of its variant (variants
/// differ in cost: DNS and ESANS score candidates, UNS does not), or of all trained runs
/// while its variant has none. Runs found finished and reused took no time and are left out
/// of the means.
public struct ExperimentETA: Sendable {
    private let runs: [RunKey]
    private var done: Set<RunKey> = []
    private var seconds: [String: (total: Double, count: Int)] = [:]

    /// An estimate for the runs of a plan (``ExperimentPlan/runs``).
    public init(runs: [RunKey]) { self.runs = runs }

    /// `key` was found finished and reused.
    public mutating func reused(_ key: RunKey) { done.insert(key) }

    /// `key` was trained in `seconds`.
    public mutating func trained(_ key: RunKey, seconds s: Double) {
        done.insert(key)
        let old = seconds[key.variant] ?? (0, 0)
        seconds[key.variant] = (old.total + s, old.count + 1)
    }

    /// Seconds left for the runs not done yet; `nil` until a run has been trained.
    public var secondsLeft: Double? {
        let count = seconds.values.reduce(0) { $0 + $1.count }
        guard count > 0 else { return nil }
        let overall = seconds.values.reduce(0) { $0 + $1.total } / Double(count)
        return runs.filter { !done.contains($0) }.reduce(0) { sum, key in
            sum + (seconds[key.variant].map { $0.total / Double($0.count) } ?? overall)
        }
    }
}
