import NumCore

/// Interactions as read from one file, in file order, with provisional indices and the
/// source line of every pair (for error messages). Internal to the loaders.
struct PairLog {
    /// Display name of the source file.
    var file: String
    /// Label of the user field in messages, e.g. `field 1 (user id)` or `column 'user_id'`.
    var userField: String
    /// Label of the item field in messages (used when `itemFieldNumbers` is nil).
    var itemField: String
    var users: [Int32] = []
    var items: [Int32] = []
    /// 1-based source line of each pair.
    var lines: [Int32] = []
    /// 1-based field position of each item (LightGCN lines hold many items), if tracked.
    var itemFieldNumbers: [Int32]?
    /// Timestamp of each pair, when the source has one.
    var times: [Double]?
    /// Rating of each pair, when one was read (for a minimum-rating filter).
    var ratings: [Double]?
    /// Where the reader looked for a timestamp and found none (`the header has 'user', 'item'
    /// and none is named timestamp, time or ts`), for the message of a split by time.
    var missingTimestamp: String?

    var count: Int { users.count }

    init(file: String, userField: String, itemField: String) {
        self.file = file
        self.userField = userField
        self.itemField = itemField
    }

    /// The item field label of pair `k`.
    func itemFieldLabel(_ k: Int) -> String {
        if let numbers = itemFieldNumbers { return DataError.fieldLabel(Int(numbers[k]), "item id") }
        return itemField
    }

    /// Keeps only the pairs whose `keep` flag is set.
    func filtered(_ keep: [Bool]) -> PairLog {
        var out = PairLog(file: file, userField: userField, itemField: itemField)
        out.missingTimestamp = missingTimestamp
        let kept = keep.reduce(0) { $0 + ($1 ? 1 : 0) }
        out.users.reserveCapacity(kept)
        out.items.reserveCapacity(kept)
        out.lines.reserveCapacity(kept)
        var fields: [Int32]? = itemFieldNumbers == nil ? nil : []
        var times: [Double]? = self.times == nil ? nil : []
        var ratings: [Double]? = self.ratings == nil ? nil : []
        for k in 0..<count where keep[k] {
            out.users.append(users[k])
            out.items.append(items[k])
            out.lines.append(lines[k])
            fields?.append(itemFieldNumbers![k])
            times?.append(self.times![k])
            ratings?.append(self.ratings![k])
        }
        out.itemFieldNumbers = fields
        out.times = times
        out.ratings = ratings
        return out
    }

    /// Pair indices grouped by user (a stable counting sort, so each user's pairs stay in
    /// file order): user `u`'s pairs are `order[offsets[u]..<offsets[u + 1]]`.
    func groupedByUser(numUsers: Int) -> (offsets: [Int], order: [Int]) {
        let offsets = CountingSort.offsets(of: users, buckets: numUsers)
        var order = [Int](repeating: 0, count: count)
        order.withUnsafeMutableBufferPointer { o in CountingSort.scatter(users, offsets: offsets) { k, slot in o[slot] = k } }
        return (offsets, order)
    }

    /// Removes repeated (user, item) pairs, keeping the first occurrence in file order.
    /// Without `dedupe`, throws a ``DataError`` at the earliest repeat, naming both lines.
    /// Returns the cleaned log and the number of pairs removed.
    func deduplicated(numUsers: Int, dedupe: Bool, userIDs: IDMap, itemIDs: IDMap) throws -> (PairLog, Int) {
        let (offsets, order) = groupedByUser(numUsers: numUsers)
        var keep = [Bool](repeating: true, count: count)
        var removed = 0
        var firstRepeat: (later: Int, earlier: Int)?
        var scratch = [UInt64]()
        for u in 0..<numUsers where offsets[u + 1] - offsets[u] > 1 {
            scratch.removeAll(keepingCapacity: true)
            for k in order[offsets[u]..<offsets[u + 1]] {
                scratch.append(UInt64(UInt32(bitPattern: items[k])) << 32 | UInt64(k))
            }
            scratch.sort()
            for j in 1..<scratch.count where scratch[j] >> 32 == scratch[j - 1] >> 32 {
                let later = Int(scratch[j] & 0xFFFF_FFFF)
                keep[later] = false
                removed += 1
                if firstRepeat == nil || later < firstRepeat!.later {
                    var earlier = j - 1
                    while earlier > 0 && scratch[earlier - 1] >> 32 == scratch[j] >> 32 { earlier -= 1 }
                    firstRepeat = (later, Int(scratch[earlier] & 0xFFFF_FFFF))
                }
            }
        }
        guard removed > 0 else { return (self, 0) }
        if !dedupe, let (later, earlier) = firstRepeat {
            let user = userIDs[Int(users[later])], item = itemIDs[Int(items[later])]
            throw DataError(file: file, line: Int(lines[later]), field: itemFieldLabel(later),
                            message: "duplicate pair (user \(DataError.quote(user)), item \(DataError.quote(item))), "
                                + "first seen at line \(lines[earlier]); \(removed) repeated pair(s) in total "
                                + "(load with dedupe to collapse them)")
        }
        return (filtered(keep), removed)
    }
}
