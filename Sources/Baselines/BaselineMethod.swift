import NumCore

/// The baselines `esans baseline --method` knows.
public enum BaselineMethod: String, NamedSetting {
    /// Most popular: the training count of the item.
    case pop
    /// Item-based collaborative filtering with cosine similarity (``ItemKNN``).
    case itemknn

    public static var settingName: String { "baseline method" }

    /// Display name for tables.
    public var label: String {
        switch self {
        case .pop: return "MostPop"
        case .itemknn: return "ItemKNN"
        }
    }
}

/// A baseline and its settings, as chosen on the command line.
public struct BaselineSettings: Sendable, Equatable {
    /// Which baseline.
    public var method: BaselineMethod
    /// Item-KNN: neighbours kept per item (default chosen on validation, see the README).
    public var neighbors: Int = ItemKNN.defaultNeighbors
    /// Item-KNN: shrinkage added to the cosine's denominator.
    public var shrink: Double = ItemKNN.defaultShrink

    /// The settings of `method` with the defaults.
    public init(method: BaselineMethod) { self.method = method }

    /// What is wrong with the settings, if anything (one message per problem).
    public func problems() -> [String] {
        var out: [String] = []
        if neighbors < 1 { out.append("--neighbors must be at least 1") }
        if !(shrink >= 0) || !shrink.isFinite { out.append("--shrink must be a finite number, at least 0") }
        return out
    }

    /// A fresh, unfitted baseline.
    public func make() -> any Baseline {
        switch method {
        case .pop: return MostPopular()
        case .itemknn: return ItemKNN(neighbors: neighbors, shrink: shrink)
        }
    }
}
