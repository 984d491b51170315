import NumCore

/// Per-user item lists in compressed sparse row (CSR) form.
///
/// User `u`'s items are `items[offsets[u]..<offsets[u + 1]]`. Every user's list is **sorted
/// ascending** by item index, which is what makes ``contains(user:item:)`` a binary search.
/// The loaders never produce duplicate pairs; lists given to ``init(numUsers:numItems:lists:)``
/// are sorted but kept as they are otherwise.
public struct Interactions: Sendable, Equatable {
    /// Number of users (rows).
    public let numUsers: Int
    /// Number of items (the column range every item index lies in).
    public let numItems: Int
    /// Row starts, `numUsers + 1` entries, non-decreasing, `offsets[0] == 0`.
    public let offsets: [Int]
    /// Item indices of all users, each user's slice sorted ascending.
    public let items: [Int32]

    /// Number of (user, item) pairs.
    public var count: Int { items.count }

    /// Builds the CSR form from one item list per user (`lists.count` must equal `numUsers`,
    /// every item must be in `0..<numItems`). Each list is sorted.
    public init(numUsers: Int, numItems: Int, lists: [[Int32]]) {
        precondition(lists.count == numUsers, "Interactions: \(lists.count) lists for \(numUsers) users")
        var offsets = [Int](repeating: 0, count: numUsers + 1)
        for (u, list) in lists.enumerated() { offsets[u + 1] = offsets[u] + list.count }
        var flat = [Int32]()
        flat.reserveCapacity(offsets[numUsers])
        for list in lists {
            for item in list {
                precondition(item >= 0 && Int(item) < numItems, "Interactions: item \(item) outside 0..<\(numItems)")
            }
            flat.append(contentsOf: list.sorted())
        }
        self.init(trusted: numUsers, numItems: numItems, offsets: offsets, items: flat)
    }

    /// Builds from ready CSR arrays; unsorted user slices are sorted.
    public init(numUsers: Int, numItems: Int, offsets: [Int], items: [Int32]) {
        precondition(offsets.count == numUsers + 1 && offsets.first == 0 && offsets.last == items.count,
                     "Interactions: offsets do not describe \(items.count) items for \(numUsers) users")
        var items = items
        for u in 0..<numUsers {
            precondition(offsets[u] <= offsets[u + 1], "Interactions: offsets decrease at user \(u)")
            var sorted = true
            for k in offsets[u]..<offsets[u + 1] {
                precondition(items[k] >= 0 && Int(items[k]) < numItems, "Interactions: item \(items[k]) outside 0..<\(numItems)")
                if k > offsets[u] && items[k - 1] > items[k] { sorted = false }
            }
            if !sorted { items[offsets[u]..<offsets[u + 1]].sort() }
        }
        self.init(trusted: numUsers, numItems: numItems, offsets: offsets, items: items)
    }

    /// Internal init for arrays already known to be valid and sorted.
    init(trusted numUsers: Int, numItems: Int, offsets: [Int], items: [Int32]) {
        self.numUsers = numUsers
        self.numItems = numItems
        self.offsets = offsets
        self.items = items
    }

    /// No interactions for `numUsers` users over `numItems` items.
    public static func empty(numUsers: Int, numItems: Int) -> Interactions {
        Interactions(trusted: numUsers, numItems: numItems, offsets: [Int](repeating: 0, count: numUsers + 1), items: [])
    }

    /// Builds the CSR form from parallel pair arrays; rows sorted, duplicates kept.
    static func fromPairs(numUsers: Int, numItems: Int, users: [Int32], items: [Int32]) -> Interactions {
        let offsets = CountingSort.offsets(of: users, buckets: numUsers)
        var flat = [Int32](repeating: 0, count: users.count)
        flat.withUnsafeMutableBufferPointer { f in
            items.withUnsafeBufferPointer { i in CountingSort.scatter(users, offsets: offsets) { k, slot in f[slot] = i[k] } }
        }
        for u in 0..<numUsers where offsets[u + 1] - offsets[u] > 1 {
            flat[offsets[u]..<offsets[u + 1]].sort()
        }
        return Interactions(trusted: numUsers, numItems: numItems, offsets: offsets, items: flat)
    }

    /// The sorted items of `user`.
    @inlinable public func items(of user: Int) -> ArraySlice<Int32> {
        items[offsets[user]..<offsets[user + 1]]
    }

    /// Number of items of `user`.
    @inlinable public func degree(of user: Int) -> Int { offsets[user + 1] - offsets[user] }

    /// Whether `user` interacted with `item` (binary search in the user's sorted list).
    public func contains(user: Int, item: Int32) -> Bool {
        guard user >= 0 && user < numUsers else { return false }
        let lo = offsets[user], count = offsets[user + 1] - lo
        return items.withUnsafeBufferPointer { all in
            Self.sortedContains(UnsafeBufferPointer(rebasing: all[lo..<(lo + count)]), item)
        }
    }

    /// Whether the ascending list `sorted` holds `item`: lower-bound halving while the window
    /// is longer than 32 entries, then an 8-wide SIMD comparison of the whole window. The
    /// scan replaces the last five halvings, whose branches mispredict half the time (LLVM
    /// compiles the halving's select as a branch whatever form it takes).
    @inlinable @inline(__always)
    public static func sortedContains(_ sorted: UnsafeBufferPointer<Int32>, _ item: Int32) -> Bool {
        guard var base = sorted.baseAddress, sorted.count > 0 else { return false }
        var n = sorted.count
        // Invariant: if `item` is in the list, it is in base[0..<n].
        while n > 32 {
            let half = n &>> 1
            base = base[half] <= item ? base + half : base
            n &-= half
        }
        if n < 8 {
            var hits = 0
            for i in 0..<n { hits &+= base[i] == item ? 1 : 0 }
            return hits > 0
        }
        let x = SIMD8<Int32>(repeating: item)
        var hit = SIMDMask<SIMD8<Int32>>()
        var i = 0
        while i + 8 <= n {
            hit .|= UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Int32>.self) .== x
            i &+= 8
        }
        // The ragged end as one more (overlapping) load of the window's last eight entries.
        if i < n { hit .|= UnsafeRawPointer(base + n - 8).loadUnaligned(as: SIMD8<Int32>.self) .== x }
        return any(hit)
    }

    /// Interactions per item (item popularity), `numItems` entries.
    public func itemCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: numItems)
        for item in items { counts[Int(item)] += 1 }
        return counts
    }

    /// Interactions per user, `numUsers` entries.
    public func userCounts() -> [Int] {
        (0..<numUsers).map { offsets[$0 + 1] - offsets[$0] }
    }

    /// All pairs as parallel arrays (user-major, items ascending).
    public func pairs() -> (users: [Int32], items: [Int32]) {
        var users = [Int32]()
        users.reserveCapacity(count)
        for u in 0..<numUsers {
            users.append(contentsOf: repeatElement(Int32(u), count: offsets[u + 1] - offsets[u]))
        }
        return (users, items)
    }
}
