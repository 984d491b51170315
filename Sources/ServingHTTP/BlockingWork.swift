import Dispatch

/// Runs blocking work (a vector database's network round trip) on a thread of Dispatch's
/// global pool and waits for it without holding a thread of Swift's concurrency pool.
///
/// The concurrency pool has one thread per core (two on a 2-core server): handlers that
/// block there on a database answer stall every other request, including `/healthz` and the
/// in-process exact search. Work that only computes stays on the pool.
enum BlockingWork {
    /// `work`'s result, computed on a global Dispatch queue.
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { done in
            DispatchQueue.global(qos: .userInitiated).async {
                done.resume(with: Result { try work() })
            }
        }
    }

    /// `work`'s result: off the concurrency pool when `blocking`, else computed in place.
    static func run<T: Sendable>(blocking: Bool, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        blocking ? try await run(work) : try work()
    }
}
