import Foundation

/// Threads standing in for ranks: `size` communicators that share one in-memory rendezvous,
/// each used by its own thread. Collectives behave like MPI's (every rank calls them in the
/// same order and blocks until all have), and the floating-point ``allReduceSum(_:)-([Double])``
/// adds the ranks' vectors in rank order. A test double for code written against
/// ``Communicator``, and a way to run `R` ranks in one process.
public final class LocalCommunicator: Communicator {
    public let rank: Int
    public var size: Int { group.size }
    private let group: LocalGroup

    fileprivate init(rank: Int, group: LocalGroup) {
        self.rank = rank
        self.group = group
    }

    /// A group of `size` communicators, rank order, sharing one rendezvous.
    public static func group(size: Int) -> [LocalCommunicator] {
        precondition(size >= 1, "a group needs at least one rank")
        let g = LocalGroup(size: size)
        return (0..<size).map { LocalCommunicator(rank: $0, group: g) }
    }

    /// Runs `body` on `size` threads at once, each with its own rank's communicator, and
    /// returns their results in rank order once all have finished.
    public static func run<T: Sendable>(ranks size: Int, _ body: @escaping @Sendable (LocalCommunicator) -> T) -> [T] {
        let comms = group(size: size)
        let results = ResultSlots<T>(count: size)
        let done = DispatchGroup()
        for comm in comms {
            done.enter()
            let t = Thread {
                results.set(comm.rank, body(comm))
                done.leave()
            }
            t.stackSize = 8 << 20
            t.start()
        }
        done.wait()
        return results.values
    }

    public func barrier() { _ = group.exchange(rank, 0 as Int) }

    public func allReduceSum(_ values: [Double]) -> [Double] { sum(values) }
    public func allReduceSum(_ values: [Float]) -> [Float] { sum(values) }
    public func allReduceSum(_ values: [Int]) -> [Int] { sum(values) }

    public func allGather<T: BitwiseCopyable>(_ values: [T]) -> [T] {
        let all = exchange(values)
        precondition(all.allSatisfy { $0.count == values.count }, "allGather: ranks passed different counts")
        return Array(all.joined())
    }

    public func allGatherv<T: BitwiseCopyable>(_ values: [T]) -> [[T]] { exchange(values) }

    public func broadcast<T: BitwiseCopyable>(_ values: [T], root: Int) -> [T] {
        precondition(root >= 0 && root < size, "broadcast: root \(root) out of 0..<\(size)")
        return exchange(values)[root]
    }

    public func allToAllv<T: BitwiseCopyable>(_ send: [[T]]) -> [[T]] {
        precondition(send.count == size, "allToAllv: \(send.count) messages for \(size) ranks")
        return exchange(send).map { $0[rank] }
    }

    private func exchange<V>(_ value: V) -> [V] { group.exchange(rank, value).map { $0 as! V } }

    private func sum<T: AdditiveArithmetic>(_ values: [T]) -> [T] {
        let all = exchange(values)
        precondition(all.allSatisfy { $0.count == values.count }, "allReduceSum: ranks passed different counts")
        var total = all[0]
        for r in 1..<all.count { for i in total.indices { total[i] += all[r][i] } }
        return total
    }
}

/// The rendezvous of a ``LocalCommunicator`` group: each rank leaves a value, the last to
/// arrive publishes all of them in rank order and wakes the others.
private final class LocalGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [Any?]
    private var arrived = 0
    private var generation = 0
    private var published: [Any] = []

    init(size: Int) {
        self.size = size
        slots = Array(repeating: nil, count: size)
    }

    /// Every rank's `value`, in rank order, once all `size` ranks have called this.
    /// `published` is only replaced when the next exchange completes, which needs this
    /// rank's next call, so a rank always reads its own exchange's values.
    func exchange(_ rank: Int, _ value: Any) -> [Any] {
        condition.lock()
        defer { condition.unlock() }
        precondition(slots[rank] == nil, "rank \(rank) entered a collective twice")
        let mine = generation
        slots[rank] = value
        arrived += 1
        if arrived == size {
            published = slots.map { $0! }
            slots = Array(repeating: nil, count: size)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return published
    }
}

/// One result per rank thread, each written once by its own thread.
private final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: T) { lock.lock(); slots[i] = value; lock.unlock() }
    var values: [T] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
}
