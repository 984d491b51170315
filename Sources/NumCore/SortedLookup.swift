extension Array where Element == Int32 {
    /// Whether this array, sorted ascending (duplicates allowed), holds `x`: a binary search.
    /// The item lists of users (known, relevant, excluded) are kept sorted for it.
    @inline(__always) public func sortedContains(_ x: Int32) -> Bool {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if self[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && self[lo] == x
    }
}
