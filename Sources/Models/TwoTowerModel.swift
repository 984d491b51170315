import NumCore

/// The two-tower retrieval model: a user tower and an item tower with L2-normalised outputs;
/// the score of (user, item) is the inner product of their vectors (divided by the loss's
/// temperature during training).
public final class TwoTowerModel: @unchecked Sendable {
    /// The configuration this model was built from.
    public let config: ModelConfig
    /// Number of users and items the ID embeddings cover.
    public let numUsers: Int, numItems: Int
    /// User tower.
    public let userTower: Tower
    /// Item tower.
    public let itemTower: Tower

    /// Builds a model with freshly initialised parameters drawn from `seed`.
    public init(config: ModelConfig, numUsers: Int, numItems: Int, seed: UInt64) {
        self.config = config
        self.numUsers = numUsers
        self.numItems = numItems
        var rng = RandomSource(seed: seed).derived("model-init")
        itemTower = Tower(name: "item", config: config.item, dim: config.dim, vocabulary: numItems, historyVocabulary: 0,
                          sharedHistoryTable: nil, initStd: config.initStd, rng: &rng)
        userTower = Tower(name: "user", config: config.user, dim: config.dim, vocabulary: numUsers, historyVocabulary: numItems,
                          sharedHistoryTable: itemTower.embedding?.table, initStd: config.initStd, rng: &rng)
    }

    /// Every trainable parameter, in a fixed order (checkpoints rely on the names).
    public var parameters: [Parameter] { userTower.parameters + itemTower.parameters }

    /// Clears all gradients.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Output vectors for all `count` rows of a tower, computed in chunks of `chunk` rows.
    /// `histories(u)` gives the history of row `u` (used by a user tower with history).
    public static func encodeAll(_ tower: Tower, count: Int, chunk: Int = 4096,
                                 histories: ((Int) -> ArraySlice<Int32>)? = nil) -> Matrix {
        let out = Matrix(rows: count, cols: tower.dim)
        var start = 0
        while start < count {
            let end = min(count, start + chunk)
            let ids = (start..<end).map { Int32($0) }
            let hs = tower.config.history ? (start..<end).map { histories?($0) ?? [] } : []
            let y = tower.forward(Tower.Input(ids: ids, histories: hs))
            out.row(start).update(from: y.data, count: (end - start) * tower.dim)
            start = end
        }
        return out
    }
}
