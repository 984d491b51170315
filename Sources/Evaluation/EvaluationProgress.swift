import Foundation

/// How far a full-corpus evaluation has got: called with (users ranked, users to rank), first
/// with `(0, total)`, then once per finished block of users (never per user), with counts that
/// only grow and end at `(total, total)`. The calls come from the worker pool's threads, one at
/// a time (under a lock), so the callback may update a progress display without locking.
public typealias EvaluationProgress = (_ usersDone: Int, _ usersTotal: Int) -> Void

/// The shared counter behind an ``EvaluationProgress``: blocks finish on several threads in
/// any order, and each adds its users and reports the new total under one lock.
final class BlockProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private let total: Int
    private let report: EvaluationProgress

    /// A counter for `total` users; reports `(0, total)` at once.
    init(total: Int, report: @escaping EvaluationProgress) {
        self.total = total
        self.report = report
        report(0, total)
    }

    /// Adds a finished block of `users` users and reports.
    func finished(users: Int) {
        lock.lock()
        defer { lock.unlock() }
        done += users
        report(done, total)
    }

    /// Whether the user at `position` (0-based, of `count`) is the last of its block of
    /// `blockRows`: blocks report after their last user.
    @inline(__always)
    static func endsBlock(_ position: Int, blockRows: Int, count: Int) -> Bool {
        (position + 1) % blockRows == 0 || position + 1 == count
    }
}
