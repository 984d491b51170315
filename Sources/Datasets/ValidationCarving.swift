import NumCore

extension Dataset {
    /// Moves a random `fraction` of each user's train items into ``validation``.
    ///
    /// Each user with `n` train items gives up `floor(fraction * n)` items plus one more with
    /// probability equal to the fractional part (so the expected share is exact), but never
    /// their last one: users with at least two train items keep at least one, users with a
    /// single item keep it. Test is untouched. Existing validation pairs are kept and the new
    /// ones added. The result depends only on the data and `seed`.
    public func carvingValidation(fraction: Double, seed: UInt64) -> Dataset {
        precondition(fraction >= 0 && fraction < 1, "carvingValidation: fraction \(fraction) must be in [0, 1)")
        var rng = RandomSource(seed: seed).derived("validation")
        var trainLists: [[Int32]] = []
        var validLists: [[Int32]] = []
        trainLists.reserveCapacity(train.numUsers)
        validLists.reserveCapacity(train.numUsers)
        var moved = 0
        for u in 0..<train.numUsers {
            var list = Array(train.items(of: u))
            let n = list.count
            let exact = fraction * Double(n)
            var take = Int(exact)
            if rng.unitDouble() < exact - Double(take) { take += 1 }
            take = min(take, max(n - 1, 0))
            var carved: [Int32] = []
            if take > 0 {
                // Partial Fisher-Yates: the last `take` positions become a uniform random subset.
                for i in stride(from: n - 1, through: n - take, by: -1) { list.swapAt(i, rng.below(i + 1)) }
                carved = Array(list[(n - take)...])
                list.removeLast(take)
            }
            if let old = validation { carved += old.items(of: u) }
            moved += take
            trainLists.append(list)
            validLists.append(carved)
        }
        var result = self
        result.train = Interactions(numUsers: train.numUsers, numItems: train.numItems, lists: trainLists)
        result.validation = Interactions(numUsers: train.numUsers, numItems: train.numItems, lists: validLists)
        let coldItems = zip(result.train.itemCounts(), train.itemCounts()).filter { $0.0 == 0 && $0.1 > 0 }.count
        var note = "carved \(moved) validation interactions (fraction \(fraction), seed \(seed)) from train"
        if coldItems > 0 { note += "; \(coldItems) items now have no train interactions" }
        result.notes.append(note)
        return result
    }
}

extension Dataset {
    /// Every interaction the model may know of when it is tested: the training split and the
    /// validation splits carved from it (``validation``, ``coldValidation``; each user's items
    /// merged and sorted). Test evaluation masks these, as it masks training items when there
    /// is no validation split.
    public var knownInteractions: Interactions {
        guard validation != nil || coldValidation != nil else { return train }
        let lists = (0..<train.numUsers).map { u in
            (Array(train.items(of: u)) + (validation?.items(of: u) ?? []) + (coldValidation?.items(of: u) ?? [])).sorted()
        }
        return Interactions(numUsers: train.numUsers, numItems: train.numItems, lists: lists)
    }
}
