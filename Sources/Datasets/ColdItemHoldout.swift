import NumCore

/// Cold-start items for evaluation: items the model never trains on, but that have test
/// interactions (and, to be scored at all, side features).
///
/// A split by time already leaves some items only in test (MovieLens-100K, `time:0.8`: 67 of
/// 1,682). ``apply(_:isTest:numItems:fraction:seed:)`` makes more on purpose: after the split,
/// a seeded `fraction` of the items that occur in the log is held out of training entirely,
/// every interaction of theirs going to test. The assembler finds both kinds without training
/// interactions (``Dataset/itemsWithoutTraining``) and keeps their test pairs of seen users
/// in ``Dataset/coldTest`` instead of dropping them.
///
/// With a validation split, ``Dataset/carvingColdValidationItems(fraction:seed:)`` does the
/// same inside training: the same share of the remaining items loses all its training pairs to
/// ``Dataset/coldValidation``, so that choices about cold items are made on validation.
enum ColdItemHoldout {
    /// Why files that come split cannot hold items out.
    static let givenFilesMessage = "cold items (--cold-items) are held out of training when esans splits one interaction file "
        + "(--split loo, time:RATIO or random:RATIO); the given train and test files are used as they are"
    /// Sends every pair of a seeded `fraction` of the items of `log` to test (`isTest`).
    /// Returns the provisional indices of the held-out items and a note.
    static func apply(_ log: PairLog, isTest: inout [Bool], numItems: Int, fraction: Double, seed: UInt64) -> (items: Set<Int32>, note: String) {
        var occurs = [Bool](repeating: false, count: numItems)
        for i in log.items { occurs[Int(i)] = true }
        let candidates = (0..<numItems).filter { occurs[$0] }.map { Int32($0) }
        let chosen = Set(Dataset.seededChoice(candidates, fraction: fraction, stream: RandomSource(seed: seed).derived("cold-items")))
        var moved = 0
        for k in 0..<log.count where chosen.contains(log.items[k]) && !isTest[k] {
            isTest[k] = true
            moved += 1
        }
        return (chosen, "held \(DatasetInfo.grouped(chosen.count)) of \(DatasetInfo.grouped(candidates.count)) items (cold items \(fraction), seed \(seed)) "
                + "out of training: their \(DatasetInfo.grouped(moved)) training interactions went to test")
    }
}

extension Dataset {
    /// `round(fraction * count)` entries of `candidates`, chosen uniformly with `stream`
    /// (a partial Fisher-Yates shuffle), in ascending order.
    static func seededChoice(_ candidates: [Int32], fraction: Double, stream: RandomSource) -> [Int32] {
        var rng = stream
        var pool = candidates
        let take = min(pool.count, Int((fraction * Double(pool.count)).rounded()))
        for k in 0..<take { pool.swapAt(k, k + rng.below(pool.count - k)) }
        return pool.prefix(take).sorted()
    }

    /// Moves every training (and validation) pair of a seeded `fraction` of the items with
    /// training pairs into ``coldValidation``: inside a run's training data, those items are
    /// as cold as the held-out test items, and the cold-item metrics on validation are measured
    /// on them. The data's fingerprint does not change (the moved pairs stay among the known
    /// ones), and a refit on all training data trains on them again.
    public func carvingColdValidationItems(fraction: Double, seed: UInt64) -> Dataset {
        precondition(fraction > 0 && fraction < 1, "carvingColdValidationItems: fraction \(fraction) must be in (0, 1)")
        let counts = train.itemCounts()
        let candidates = (0..<numItems).filter { counts[$0] > 0 }.map { Int32($0) }
        let chosen = Dataset.seededChoice(candidates, fraction: fraction, stream: RandomSource(seed: seed).derived("cold-validation-items"))
        var isCold = [Bool](repeating: false, count: numItems)
        for i in chosen { isCold[Int(i)] = true }
        func split(_ x: Interactions?) -> (kept: [[Int32]], cold: [[Int32]]) {
            var kept: [[Int32]] = [], cold: [[Int32]] = []
            for u in 0..<numUsers {
                let list = x.map { Array($0.items(of: u)) } ?? []
                kept.append(list.filter { !isCold[Int($0)] })
                cold.append(list.filter { isCold[Int($0)] })
            }
            return (kept, cold)
        }
        let t = split(train), v = split(validation)
        var result = self
        result.train = Interactions(numUsers: numUsers, numItems: numItems, lists: t.kept)
        if validation != nil { result.validation = Interactions(numUsers: numUsers, numItems: numItems, lists: v.kept) }
        let coldLists = (0..<numUsers).map { u in t.cold[u] + v.cold[u] + (coldValidation.map { Array($0.items(of: u)) } ?? []) }
        result.coldValidation = Interactions(numUsers: numUsers, numItems: numItems, lists: coldLists)
        let moved = coldLists.reduce(0) { $0 + $1.count }
        result.notes.append("carved \(DatasetInfo.grouped(chosen.count)) cold validation items (fraction \(fraction), seed \(seed)) out of training "
                            + "with their \(DatasetInfo.grouped(moved)) interactions")
        return result
    }
}
