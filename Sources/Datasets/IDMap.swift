/// Bidirectional map between external id strings and contiguous indices `0..<count`.
///
/// Indices are handed out in first-seen order: the first id interned gets 0, the next new
/// one 1, and so on. Interning an id that is already known returns its existing index.
public struct IDMap: Sendable, Equatable {
    /// The external ids, indexed by their internal index.
    public private(set) var externalIDs: [String]
    private var lookup: [String: Int]

    /// An empty map.
    public init() {
        externalIDs = []
        lookup = [:]
    }

    /// A map that interns `ids` in order; repeated ids keep their first index.
    public init<S: Sequence>(_ ids: S) where S.Element == String {
        self.init()
        for id in ids { _ = intern(id) }
    }

    /// The map `"0", "1", ..., "\(count - 1)"`, where every index equals its numeric id.
    public static func numeric(count: Int) -> IDMap {
        IDMap((0..<count).lazy.map { String($0) })
    }

    /// Number of distinct ids.
    public var count: Int { externalIDs.count }

    /// The index of `id`, or nil when it was never interned.
    public func index(of id: String) -> Int? { lookup[id] }

    /// The external id at `index` (must be in `0..<count`).
    public subscript(index: Int) -> String { externalIDs[index] }

    /// Returns the index of `id`, adding it at index `count` if it is new.
    @discardableResult
    public mutating func intern(_ id: String) -> Int {
        if let existing = lookup[id] { return existing }
        let next = externalIDs.count
        externalIDs.append(id)
        lookup[id] = next
        return next
    }

    /// Reserves room for `capacity` ids.
    public mutating func reserveCapacity(_ capacity: Int) {
        externalIDs.reserveCapacity(capacity)
        lookup.reserveCapacity(capacity)
    }

    /// Two maps are equal when they hold the same ids in the same order.
    public static func == (lhs: IDMap, rhs: IDMap) -> Bool { lhs.externalIDs == rhs.externalIDs }
}
