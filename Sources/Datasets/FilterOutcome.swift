/// What one load-time filter removed: a minimum rating or the k-core, applied to the
/// interactions before the split (see ``LoadOptions/minRating`` and ``LoadOptions/kCore``).
/// ``Dataset/filters`` lists them in the order they ran; `esans data info` prints them.
public struct FilterOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Which filter ran.
    public enum Kind: Sendable, Equatable {
        /// Interactions rated below the value were dropped.
        case minRating(Double)
        /// Users and items with fewer than K interactions were dropped until none was left.
        case kCore(Int)
    }

    /// The filter.
    public let kind: Kind
    /// k-core: the passes that removed something (the last pass, which removed nothing, is not
    /// counted); 1 for a rating filter that removed something, else 0.
    public let rounds: Int
    /// Interactions removed.
    public let interactionsRemoved: Int
    /// Users that had interactions before the filter and none after it.
    public let usersRemoved: Int
    /// Items that had interactions before the filter and none after it.
    public let itemsRemoved: Int
    /// Interactions left after the filter.
    public let interactionsLeft: Int
    /// Users with interactions left after the filter.
    public let usersLeft: Int
    /// Items with interactions left after the filter.
    public let itemsLeft: Int

    /// An outcome with every count given.
    public init(kind: Kind, rounds: Int, interactionsRemoved: Int, usersRemoved: Int, itemsRemoved: Int,
                interactionsLeft: Int, usersLeft: Int, itemsLeft: Int) {
        self.kind = kind
        self.rounds = rounds
        self.interactionsRemoved = interactionsRemoved
        self.usersRemoved = usersRemoved
        self.itemsRemoved = itemsRemoved
        self.interactionsLeft = interactionsLeft
        self.usersLeft = usersLeft
        self.itemsLeft = itemsLeft
    }

    /// `rating >= 4` or `5-core`.
    public var name: String {
        switch kind {
        case .minRating(let r): return "rating >= " + Self.number(r)
        case .kCore(let k): return "\(k)-core"
        }
    }

    /// `5-core (3 rounds): removed 1,203 interactions, 12 users, 211 items; 80,117 interactions, 931 users, 1,471 items left`.
    public var description: String {
        var text = name
        if case .kCore = kind { text += " (\(rounds) round\(rounds == 1 ? "" : "s"))" }
        return text + ": removed \(DatasetInfo.grouped(interactionsRemoved)) interactions, \(DatasetInfo.grouped(usersRemoved)) users, "
            + "\(DatasetInfo.grouped(itemsRemoved)) items; \(DatasetInfo.grouped(interactionsLeft)) interactions, "
            + "\(DatasetInfo.grouped(usersLeft)) users, \(DatasetInfo.grouped(itemsLeft)) items left"
    }

    /// `4` for 4.0, `3.5` for 3.5.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
