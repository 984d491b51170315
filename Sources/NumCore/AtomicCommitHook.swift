import Foundation

/// A hook that sees every atomic write of the current task the moment its file is in place,
/// for crash-consistency tests.
///
/// ``AtomicFileWriter/commit()`` (and so ``AtomicFile/write(_:to:)``, checkpoints, `.npy`
/// files, `metrics.json` ...) calls ``afterCommit`` right after the rename. A hook that throws
/// stops the writing code there with the file written and everything after it not: the state a
/// process killed at that instant leaves behind. Tests bind it for one run with
/// `AtomicCommitHook.$afterCommit.withValue(hook) { ... }` and check that the run resumes to
/// the result of an uninterrupted one, for every commit of the run (`scripts/crash-harness.py`
/// does the same with real SIGKILLs). It is task-local, so tests running in parallel do not
/// see each other's hooks; unset (the default) it costs one task-local read per file written.
public enum AtomicCommitHook {
    /// Called with the destination of every completed atomic write of the current task.
    @TaskLocal public static var afterCommit: (@Sendable (URL) throws -> Void)?
}
