/// The load-time filters of ``LoadOptions``: a minimum rating, then the k-core. They run on
/// the logs as read (after duplicates are handled, before the split), over all of a data
/// set's files together, and report what each removed. Internal to the loaders.
enum InteractionFilters {
    /// Filters `logs` in place (they share one user and one item index space of `numUsers`
    /// and `numItems`) and returns what each filter removed, in order. Every log must hold
    /// ratings when a minimum rating is set (the readers see to it).
    /// - Throws: ``DataError`` when no interaction is left.
    static func apply(_ logs: inout [PairLog], numUsers: Int, numItems: Int, options: LoadOptions) throws -> [FilterOutcome] {
        var outcomes: [FilterOutcome] = []
        if let minimum = options.minRating {
            let before = census(logs, numUsers: numUsers, numItems: numItems)
            for j in logs.indices {
                guard let ratings = logs[j].ratings else {
                    preconditionFailure("InteractionFilters: \(logs[j].file) was read without ratings")
                }
                logs[j] = logs[j].filtered(ratings.map { $0 >= minimum })
            }
            let after = census(logs, numUsers: numUsers, numItems: numItems)
            outcomes.append(outcome(.minRating(minimum), rounds: before.interactions > after.interactions ? 1 : 0, before, after))
        }
        if options.kCore > 0 {
            let before = census(logs, numUsers: numUsers, numItems: numItems)
            let rounds = kCore(&logs, k: options.kCore, numUsers: numUsers, numItems: numItems)
            let after = census(logs, numUsers: numUsers, numItems: numItems)
            outcomes.append(outcome(.kCore(options.kCore), rounds: rounds, before, after))
        }
        if let last = outcomes.last, last.interactionsLeft == 0 {
            throw DataError(file: logs.first?.file ?? "", message: "no interactions left after the filters ("
                                + outcomes.map(\.description).joined(separator: "; ") + ")")
        }
        return outcomes
    }

    /// Drops the pairs of users and items with fewer than `k` pairs, pass after pass, until a
    /// pass removes nothing. Returns the passes that removed something.
    static func kCore(_ logs: inout [PairLog], k: Int, numUsers: Int, numItems: Int) -> Int {
        var keep = logs.map { [Bool](repeating: true, count: $0.count) }
        var userDegree = [Int](repeating: 0, count: numUsers)
        var itemDegree = [Int](repeating: 0, count: numItems)
        var rounds = 0
        while true {
            for u in 0..<numUsers { userDegree[u] = 0 }
            for i in 0..<numItems { itemDegree[i] = 0 }
            for j in logs.indices {
                for t in 0..<logs[j].count where keep[j][t] {
                    userDegree[Int(logs[j].users[t])] += 1
                    itemDegree[Int(logs[j].items[t])] += 1
                }
            }
            var removed = false
            for j in logs.indices {
                for t in 0..<logs[j].count where keep[j][t] {
                    if userDegree[Int(logs[j].users[t])] < k || itemDegree[Int(logs[j].items[t])] < k {
                        keep[j][t] = false
                        removed = true
                    }
                }
            }
            if !removed { break }
            rounds += 1
        }
        if rounds > 0 {
            for j in logs.indices { logs[j] = logs[j].filtered(keep[j]) }
        }
        return rounds
    }

    /// Interactions, and users and items with at least one interaction, over all logs.
    static func census(_ logs: [PairLog], numUsers: Int, numItems: Int) -> (interactions: Int, users: Int, items: Int) {
        var userSeen = [Bool](repeating: false, count: numUsers)
        var itemSeen = [Bool](repeating: false, count: numItems)
        var interactions = 0, users = 0, items = 0
        for log in logs {
            interactions += log.count
            for u in log.users where !userSeen[Int(u)] { userSeen[Int(u)] = true; users += 1 }
            for i in log.items where !itemSeen[Int(i)] { itemSeen[Int(i)] = true; items += 1 }
        }
        return (interactions, users, items)
    }

    private static func outcome(_ kind: FilterOutcome.Kind, rounds: Int, _ before: (interactions: Int, users: Int, items: Int),
                                _ after: (interactions: Int, users: Int, items: Int)) -> FilterOutcome {
        FilterOutcome(kind: kind, rounds: rounds, interactionsRemoved: before.interactions - after.interactions,
                      usersRemoved: before.users - after.users, itemsRemoved: before.items - after.items,
                      interactionsLeft: after.interactions, usersLeft: after.users, itemsLeft: after.items)
    }
}
