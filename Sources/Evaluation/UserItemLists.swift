/// Per-user lists of item indices, the view of interaction data that evaluation needs.
///
/// Conforming types: `Datasets.Interactions` (see `Interactions+UserItemLists.swift`) and
/// ``ItemLists`` for tests and ad-hoc data. Each user's list should be sorted ascending
/// without duplicates; the evaluator sorts and deduplicates a copy when it is not.
public protocol UserItemLists {
    /// Number of users; users are `0..<numUsers`.
    var numUsers: Int { get }
    /// The item indices of `user`.
    func items(of user: Int) -> ArraySlice<Int32>
}

/// A plain array-of-arrays ``UserItemLists``.
public struct ItemLists: UserItemLists, Sendable {
    /// Each user's items, sorted ascending.
    public let lists: [[Int32]]

    /// Lists taken as given, each sorted ascending and deduplicated.
    public init(_ lists: [[Int32]]) {
        self.lists = lists.map { Array(Set($0)).sorted() }
    }

    /// Number of users.
    public var numUsers: Int { lists.count }

    /// The items of `user`.
    public func items(of user: Int) -> ArraySlice<Int32> { lists[user][...] }
}

extension ArraySlice where Element == Int32 {
    /// The elements sorted ascending without duplicates (no copy work when already so).
    func sortedUnique() -> [Int32] {
        var strictlyIncreasing = true
        var previous = Int32.min
        for (n, v) in self.enumerated() {
            if n > 0 && v <= previous { strictlyIncreasing = false; break }
            previous = v
        }
        if strictlyIncreasing { return Array(self) }
        return Array(Set(self)).sorted()
    }
}
