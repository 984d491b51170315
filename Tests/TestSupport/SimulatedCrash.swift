import Foundation
import NumCore

/// The error a simulated crash throws: the process "died" right after `file` was renamed into place.
public struct SimulatedCrash: Error, CustomStringConvertible {
    /// The last file written before the crash.
    public let file: URL
    public var description: String { "simulated crash after writing \(file.path)" }
}

/// Counts the atomic writes of a body run under ``AtomicCommitHook`` and, when asked, stops it
/// with a ``SimulatedCrash`` right after the n-th: the directory is then exactly what a process
/// killed at that instant leaves (everything before written, nothing after).
public final class CommitCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [URL] = []
    /// The 1-based commit after which to crash; `nil` only counts.
    public let crashAfter: Int?

    public init(crashAfter: Int? = nil) { self.crashAfter = crashAfter }

    /// The files committed so far, in order.
    public var committed: [URL] { lock.withLock { files } }

    /// Runs `body` with this counter on every atomic commit of the current task. Returns
    /// `true` when the body ran to its end, `false` when the simulated crash stopped it.
    @discardableResult
    public func run(_ body: () throws -> Void) throws -> Bool {
        do {
            try AtomicCommitHook.$afterCommit.withValue({ url in try self.committedOne(url) }) { try body() }
            return true
        } catch is SimulatedCrash {
            return false
        }
    }

    private func committedOne(_ url: URL) throws {
        let n = lock.withLock { files.append(url); return files.count }
        if let crashAfter, n == crashAfter { throw SimulatedCrash(file: url) }
    }
}
