/// Shape of one tower.
public struct TowerConfig: Codable, Sendable, Equatable {
    /// Learn an embedding per ID.
    public var idEmbedding: Bool = true
    /// User tower only: add the mean of the user's training-item embeddings (YouTube-DNN).
    public var history: Bool = false
    /// Cut histories to this many items (0 = no limit).
    public var historyMaxLength: Int = 0
    /// Width of a dense feature vector per row (item or user; 0 = none), projected to the
    /// embedding width by a learned linear layer and added to the other inputs. Set by the run
    /// from its feature source (`--item-features`, `--user-features`).
    public var featureDim: Int = 0
    /// Hidden widths of an MLP after the input (ReLU between layers); the MLP always ends in
    /// a linear layer back to the model dimension. Empty = no MLP.
    public var hidden: [Int] = []

    /// The default: ID embedding only.
    public init() {}

    /// A tower with the given parts.
    public init(idEmbedding: Bool = true, history: Bool = false, historyMaxLength: Int = 0, featureDim: Int = 0, hidden: [Int] = []) {
        self.idEmbedding = idEmbedding
        self.history = history
        self.historyMaxLength = historyMaxLength
        self.featureDim = featureDim
        self.hidden = hidden
    }
}

/// Shape of the two-tower model.
public struct ModelConfig: Codable, Sendable, Equatable {
    /// Output (and embedding) dimension.
    public var dim: Int = 64
    /// Standard deviation of the normal initialisation of embedding tables.
    public var initStd: Float = 0.1
    /// User tower.
    public var user = TowerConfig()
    /// Item tower.
    public var item = TowerConfig()

    /// The default: ID-only towers of width 64.
    public init() {}
}
