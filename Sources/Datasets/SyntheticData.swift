import Foundation
import NumCore

/// Small generated data sets with a learnable structure, for offline demos and tests.
public enum SyntheticData {
    /// Share of a user's interactions drawn from their preferred clusters (the rest is uniform noise).
    public static let preferredShare = 0.85

    /// The cluster of `item`: items are dealt round-robin, `item % clusters`.
    public static func cluster(ofItem item: Int, clusters: Int) -> Int { item % max(clusters, 1) }

    /// Generates `users` users over `items` items in `clusters` item clusters.
    ///
    /// Each user prefers one cluster, or two with probability 1/2, and draws
    /// ``preferredShare`` of `interactionsPerUser` distinct items from them, the rest uniformly
    /// from all items. Within a cluster, item popularity follows a Zipf-like law (weight
    /// `1 / (rank + 1)^0.8`, rank in the cluster), so there is a popularity skew for samplers to
    /// correct. Each user's items are split at random 80/20 into train and test (at least one
    /// train item each); test items never drawn in train are dropped with a note. External ids
    /// are `"0"`, `"1"`, ... and indices equal them. The same arguments give the same data.
    public static func make(users: Int, items: Int, clusters: Int, interactionsPerUser: Int, seed: UInt64) -> Dataset {
        precondition(users > 0 && items > 0 && clusters > 0 && interactionsPerUser > 0, "SyntheticData: sizes must be positive")
        let clusters = min(clusters, items)
        let perUser = min(interactionsPerUser, items)
        var rng = RandomSource(seed: seed).derived("synthetic")

        // Cumulative Zipf weights of each cluster's members.
        var members = [[Int32]](repeating: [], count: clusters)
        for item in 0..<items { members[cluster(ofItem: item, clusters: clusters)].append(Int32(item)) }
        let cumulative: [[Double]] = members.map { list in
            var total = 0.0
            return list.indices.map { rank in
                total += 1 / pow(Double(rank + 1), 0.8)
                return total
            }
        }
        func drawFrom(_ c: Int, _ rng: inout RandomSource) -> Int32 {
            let weights = cumulative[c]
            let target = rng.unitDouble() * weights[weights.count - 1]
            var lo = 0, hi = weights.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if weights[mid] > target { hi = mid } else { lo = mid + 1 }
            }
            return members[c][lo]
        }

        var log = PairLog(file: "synthetic", userField: "user", itemField: "item")
        for u in 0..<users {
            var preferred = [rng.below(clusters)]
            if clusters > 1 && rng.unitDouble() < 0.5 {
                var second = rng.below(clusters - 1)
                if second >= preferred[0] { second += 1 }
                preferred.append(second)
            }
            let poolSize = preferred.reduce(0) { $0 + members[$1].count }
            var chosen = Set<Int32>()
            var attempts = 0
            while chosen.count < perUser {
                attempts += 1
                let fromPreferred = rng.unitDouble() < preferredShare && chosen.count < poolSize && attempts < perUser * 50
                let item = fromPreferred ? drawFrom(preferred[rng.below(preferred.count)], &rng) : Int32(rng.below(items))
                if chosen.insert(item).inserted {
                    log.users.append(Int32(u))
                    log.items.append(item)
                    log.lines.append(Int32(truncatingIfNeeded: log.count))
                }
            }
        }
        let userMap = IDMap.numeric(count: users), itemMap = IDMap.numeric(count: items)
        do {
            let (isTest, notes) = try SplitEngine.assignTest(log, numUsers: users, split: .randomRatio(0.8), seed: seed)
            return try DatasetAssembler.assemble(
                name: "synthetic-u\(users)-i\(items)-c\(clusters)-s\(seed)", users: userMap, items: itemMap,
                train: log.filtered(isTest.map { !$0 }), test: log.filtered(isTest),
                layout: .numeric(userBound: users, itemBound: items), strict: false,
                notes: ["synthetic: \(clusters) clusters, \(perUser) interactions per user, seed \(seed)"] + notes)
        } catch {
            preconditionFailure("SyntheticData: generated data failed to assemble: \(error)")
        }
    }
}
