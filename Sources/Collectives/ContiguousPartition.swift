/// `count` pieces of work (users, blocks of users, shards) cut into `parts` runs of
/// consecutive pieces, one per rank, rank 0 the first: sizes differ by at most one, the
/// larger runs first. Consecutive runs are what ``Communicator/sumInOrder(_:width:)`` and
/// ``Communicator/allGatherConcatenated(_:)`` need to give rank-count-independent results.
public struct ContiguousPartition: Sendable, Equatable {
    /// The number of pieces.
    public let count: Int
    /// The number of runs.
    public let parts: Int

    /// A partition of `count >= 0` pieces into `parts >= 1` runs (some empty when `parts > count`).
    public init(count: Int, parts: Int) {
        precondition(count >= 0 && parts >= 1, "a partition needs count >= 0 and parts >= 1 (got \(count), \(parts))")
        self.count = count
        self.parts = parts
    }

    /// The pieces of run `part`.
    public func range(of part: Int) -> Range<Int> {
        precondition(part >= 0 && part < parts, "part \(part) out of 0..<\(parts)")
        let base = count / parts, extra = count % parts
        let lo = part * base + min(part, extra)
        return lo..<(lo + base + (part < extra ? 1 : 0))
    }

    /// The run that holds piece `index`.
    public func part(of index: Int) -> Int {
        precondition(index >= 0 && index < count, "piece \(index) out of 0..<\(count)")
        let base = count / parts, extra = count % parts
        let big = extra * (base + 1)  // pieces held by the larger runs
        return index < big ? index / (base + 1) : extra + (index - big) / base
    }
}
