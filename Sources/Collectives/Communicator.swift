/// A group of cooperating processes (ranks `0..<size`) and the collective operations esans
/// needs to spread work over them: the shape of MPI's `MPI_COMM_WORLD`, with a single-process
/// implementation (``SingleProcessCommunicator``), threads standing in for ranks
/// (``LocalCommunicator``, a test double) and Open MPI (``MPICommunicator``).
///
/// Every operation is collective: every rank of the group must call it, in the same order,
/// with matching arguments (the same `root`, the same element type). Arrays travel as their
/// bytes, so elements must be plain values (`BitwiseCopyable`: numbers, fixed-size structs of
/// numbers) with the same layout on every rank.
///
/// ## Determinism
/// - ``allGather(_:)``, ``allGatherv(_:)``, ``broadcast(_:root:)`` and ``allToAllv(_:)`` move
///   bytes: exact.
/// - ``allReduceSum(_:)-([Int])`` on integers is exact.
/// - ``allReduceSum(_:)-([Double])`` and `[Float]` leave the order of the additions to the
///   implementation (MPI picks a reduction tree by message size and rank count): the result
///   may differ in the last bits between rank counts, and should only feed statistics that
///   are not compared bitwise.
/// - ``sumInOrder(_:width:)`` is the deterministic reduction: every rank passes the vectors of
///   the pieces of work it owns (in the pieces' global order, ranks owning consecutive pieces,
///   see ``ContiguousPartition``), and the sum is taken piece by piece in global order on
///   every rank, so it is the same for every rank count, bit for bit, and equal to a
///   single-process loop over the pieces.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index in the group, `0..<size`.
    var rank: Int { get }
    /// The number of ranks.
    var size: Int { get }

    /// Returns once every rank has called it.
    func barrier()

    /// The element-wise sum over ranks of `values` (the same length on every rank); every rank
    /// gets it. Not deterministic across rank counts (see the protocol's notes).
    func allReduceSum(_ values: [Double]) -> [Double]
    /// The element-wise sum over ranks, in single precision; as the `Double` one.
    func allReduceSum(_ values: [Float]) -> [Float]
    /// The element-wise sum over ranks of integers: exact.
    func allReduceSum(_ values: [Int]) -> [Int]

    /// Every rank's `values` (the same count on every rank), concatenated in rank order.
    func allGather<T: BitwiseCopyable>(_ values: [T]) -> [T]
    /// Every rank's `values` (any count, zero included), indexed by rank.
    func allGatherv<T: BitwiseCopyable>(_ values: [T]) -> [[T]]
    /// `root`'s `values` on every rank (the others' argument is ignored; its count too).
    func broadcast<T: BitwiseCopyable>(_ values: [T], root: Int) -> [T]
    /// Personalised exchange: `send[r]` goes to rank `r` (`send.count == size`); the result's
    /// entry `r` is what rank `r` sent to this rank.
    func allToAllv<T: BitwiseCopyable>(_ send: [[T]]) -> [[T]]
}

extension Communicator {
    /// Whether this is rank 0, the one that prints and writes files.
    public var isRoot: Bool { rank == 0 }

    /// Every rank's `values` concatenated in rank order (any count per rank). When the ranks
    /// hold consecutive pieces of one sequence, rank 0 the first, the result is that sequence
    /// whatever the number of ranks.
    public func allGatherConcatenated<T: BitwiseCopyable>(_ values: [T]) -> [T] {
        if size == 1 { return values }
        // Whole-array appends (one copy each), not an element-wise walk over a joined sequence.
        let parts = allGatherv(values)
        var out = [T]()
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts { out.append(contentsOf: part) }
        return out
    }

    /// The deterministic sum: `local` holds the vectors (each `width` long, concatenated) of
    /// the pieces of work this rank owns, in their global order, the ranks owning consecutive
    /// runs of pieces in rank order. Returns on every rank `((0 + p₀) + p₁) + ...` over all
    /// pieces in global order, element by element: the same bits for every rank count.
    public func sumInOrder(_ local: [Double], width: Int) -> [Double] {
        precondition(width > 0 && local.count % width == 0, "sumInOrder: \(local.count) values are not whole vectors of \(width)")
        let all = allGatherConcatenated(local)
        var total = [Double](repeating: 0, count: width)
        var start = 0
        while start < all.count {
            for i in 0..<width { total[i] += all[start + i] }
            start += width
        }
        return total
    }
}
