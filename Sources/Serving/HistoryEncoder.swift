import Foundation
import NumCore
import Models

/// Runs the user tower for one ad-hoc history (a user the run never saw, or a known user with
/// a fresher history). The tower keeps activations between calls, so calls are serialised by
/// a lock; a forward pass for one row costs a few microseconds.
public final class HistoryEncoder: @unchecked Sendable {
    private let tower: Tower
    private let lock = NSLock()

    /// Whether the tower pools a history at all.
    public let poolsHistory: Bool
    /// Whether the tower also needs the user's own ID embedding (then a history request must
    /// name a known user).
    public let needsUserID: Bool
    /// Whether the tower reads per-user dense features, which a request cannot supply.
    public let needsFeatures: Bool

    /// An encoder over `userTower`.
    public init(userTower: Tower) {
        tower = userTower
        poolsHistory = userTower.config.history
        needsUserID = userTower.config.idEmbedding
        needsFeatures = userTower.config.featureDim > 0
    }

    /// The L2-normalised user vector for `history` (item indices), with the ID embedding of
    /// `user` when the tower has one. Call only when ``poolsHistory`` and not ``needsFeatures``.
    public func encode(history: [Int32], user: Int32?) -> [Float] {
        precondition(poolsHistory && !needsFeatures, "the user tower cannot encode a history")
        lock.lock()
        defer { lock.unlock() }
        let out = tower.forward(Tower.Input(ids: [user ?? 0], histories: [history[...]]))
        return Array(UnsafeBufferPointer(start: out.data, count: tower.dim))
    }
}
