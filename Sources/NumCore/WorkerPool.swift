import Foundation
import Synchronization

/// A persistent pool of worker threads for data-parallel loops.
///
/// `DispatchQueue.concurrentPerform` costs tens of microseconds to wake its workers, which
/// eats the gain on the sub-millisecond GEMMs of a training step. This pool keeps its threads
/// alive, spinning briefly before sleeping, and the calling thread takes a share of the work.
/// Work is handed out one index at a time from an atomic counter, so results never depend on
/// which thread ran an index as long as each index writes only its own output.
public final class WorkerPool: @unchecked Sendable {
    /// The pool every kernel uses unless told otherwise, sized by ``configure(threads:)``
    /// (default: the number of active cores).
    nonisolated(unsafe) public private(set) static var shared = WorkerPool(threads: ProcessInfo.processInfo.activeProcessorCount)

    /// Replaces the shared pool with one of `threads` threads (1 = everything inline).
    ///
    /// For the whole process, and not synchronised with readers of ``shared``: call it before
    /// any other thread runs kernels (the CLI does, once per command). Results do not depend on
    /// the thread count, but what a run records of it does, so two runs in one process (tests
    /// running in parallel) must not resize the pool under each other.
    public static func configure(threads: Int) {
        if shared.threadCount != max(1, threads) { shared = WorkerPool(threads: threads) }
    }

    /// Number of threads that run work, the caller included.
    public let threadCount: Int
    private let state = PoolState()
    private let callLock = NSLock()

    /// A pool with `threads` threads in all (the caller plus `threads - 1` workers).
    public init(threads: Int) {
        threadCount = max(1, threads)
        for _ in 1..<threadCount {
            let s = state
            let t = Thread { s.workerLoop() }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    deinit { state.shutdown() }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the pool's threads.
    /// Blocks until all are done. A call made while the pool is busy (e.g. nested inside
    /// another `parallelFor`) runs inline on the calling thread.
    public func parallelFor(_ count: Int, _ body: @escaping (Int) -> Void) {
        if count <= 0 { return }
        if threadCount == 1 || count == 1 || !callLock.try() {
            for i in 0..<count { body(i) }
            return
        }
        defer { callLock.unlock() }
        state.run(count, body)
    }

    /// Splits `0..<total` into about `threadCount * chunksPerThread` contiguous ranges of at
    /// least `minChunk` and runs `body(range)` for each in parallel.
    public func parallelRanges(_ total: Int, chunksPerThread: Int = 1, minChunk: Int = 1, _ body: @escaping (Range<Int>) -> Void) {
        if total <= 0 { return }
        let chunks = max(1, min(threadCount * chunksPerThread, total / max(1, minChunk)))
        let size = (total + chunks - 1) / chunks
        let n = (total + size - 1) / size
        parallelFor(n) { c in body((c * size)..<min(total, (c + 1) * size)) }
    }
}

/// The state shared between a pool and its threads; it outlives the pool until every worker
/// has seen the shutdown.
private final class PoolState: @unchecked Sendable {
    private let lock = NSCondition()
    private var generation = 0
    private var job: ((Int) -> Void)?
    private var jobCount = 0
    private var stopping = false
    private let next = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let epoch = Atomic<Int>(0)
    private let active = Atomic<Int>(0)

    func run(_ count: Int, _ body: @escaping (Int) -> Void) {
        lock.lock()
        job = body
        jobCount = count
        next.store(0, ordering: .relaxed)
        done.store(0, ordering: .relaxed)
        generation += 1
        epoch.store(generation, ordering: .releasing)
        lock.broadcast()
        lock.unlock()
        runIndices(body, count)
        var spins = 0
        while done.load(ordering: .acquiring) < count {
            spins += 1
            if spins > 2000 { sched_yield() }
        }
        lock.lock(); job = nil; lock.unlock()
        // A worker that picked up this job late may still be inside `runIndices`; it finds
        // no work left, but must leave before the counters are reset for the next job.
        while active.load(ordering: .acquiring) > 0 { sched_yield() }
    }

    func shutdown() {
        lock.lock(); stopping = true; lock.broadcast(); lock.unlock()
    }

    private func runIndices(_ body: (Int) -> Void, _ count: Int) {
        while true {
            let i = next.add(1, ordering: .relaxed).oldValue
            if i >= count { break }
            body(i)
            done.add(1, ordering: .releasing)
        }
    }

    func workerLoop() {
        var seen = 0
        while true {
            // Spin for the next job before going to sleep (a futex wake costs more than a
            // short parallel region). 200,000 polls, about 0.1 ms, cover the serial gaps
            // between the regions of a small batch: MovieLens-100K epochs at batch 256 ran
            // 5-6% faster than with 20,000.
            var spins = 0
            while epoch.load(ordering: .acquiring) == seen && spins < 200_000 { spins += 1 }
            lock.lock()
            while generation == seen && !stopping { lock.wait() }
            if stopping { lock.unlock(); return }
            seen = generation
            let body = job
            let count = jobCount
            if body != nil { active.add(1, ordering: .relaxed) }
            lock.unlock()
            if let body {
                runIndices(body, count)
                active.subtract(1, ordering: .releasing)
            }
        }
    }
}
