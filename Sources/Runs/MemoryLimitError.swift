/// A run that would need more memory than the machine has, refused before its model is
/// allocated (see ``TrainingMemoryEstimate``).
public struct MemoryLimitError: Error, CustomStringConvertible, Sendable {
    /// The estimate that did not fit.
    public let estimate: TrainingMemoryEstimate
    /// The memory available, in bytes.
    public let limit: UInt64

    /// The refusal of `estimate` against `limit` (which it exceeds).
    public init(estimate: TrainingMemoryEstimate, limit: UInt64) {
        self.estimate = estimate
        self.limit = limit
    }

    public var description: String {
        estimate.refusal(limit: limit) ?? "the run fits in \(TrainingMemoryEstimate.megabytes(Double(limit)))"
    }
}
