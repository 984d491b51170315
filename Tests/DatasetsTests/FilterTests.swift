import TestSupport
import Foundation
import Testing
@testable import Datasets

/// All (user, item) pairs of a data set, train, validation and test together, as external ids.
private func allPairs(_ d: Dataset) -> Set<String> {
    var pairs = Set<String>()
    for part in [d.train, d.test] + (d.validation.map { [$0] } ?? []) {
        for u in 0..<part.numUsers {
            for i in part.items(of: u) { pairs.insert(d.users[u] + "-" + d.items[Int(i)]) }
        }
    }
    return pairs
}

/// The k-core by the definition: remove any one user or item with fewer than `k` pairs, one at
/// a time, until there is none (the k-core is unique, so the order does not matter).
private func referenceKCore(_ pairs: [(Int32, Int32)], k: Int) -> Set<[Int32]> {
    var alive = Set(pairs.map { [$0.0, $0.1] })
    while true {
        var userDegree: [Int32: Int] = [:], itemDegree: [Int32: Int] = [:]
        for p in alive { userDegree[p[0], default: 0] += 1; itemDegree[p[1], default: 0] += 1 }
        if let (u, _) = userDegree.first(where: { $0.value < k }) {
            alive = alive.filter { $0[0] != u }
        } else if let (i, _) = itemDegree.first(where: { $0.value < k }) {
            alive = alive.filter { $0[1] != i }
        } else {
            return alive
        }
    }
}

@Suite struct KCoreTests {
    /// user e -> item z -> user d -> (item x survives): three rounds, each exposing the next.
    static let chain = """
        user,item
        a,x
        a,y
        b,x
        b,y
        c,x
        c,y
        d,x
        d,z
        e,z

        """

    @Test func needsSeveralRoundsAndReportsThem() throws {
        let dir = TempDir()
        let path = dir.write("chain.csv", Self.chain)
        let d = try DatasetLoader.load(path: path, options: LoadOptions(split: .randomRatio(0.5), seed: 1, kCore: 2))
        #expect(Set(d.users.externalIDs) == ["a", "b", "c"])
        #expect(Set(d.items.externalIDs) == ["x", "y"])
        #expect(allPairs(d) == ["a-x", "a-y", "b-x", "b-y", "c-x", "c-y"])
        #expect(d.filters == [FilterOutcome(kind: .kCore(2), rounds: 3, interactionsRemoved: 3, usersRemoved: 2, itemsRemoved: 1,
                                            interactionsLeft: 6, usersLeft: 3, itemsLeft: 2)])
        // Without the filter nothing is removed and nothing is reported.
        let plain = try DatasetLoader.load(path: path, options: LoadOptions(split: .randomRatio(1), seed: 1))
        #expect(plain.filters.isEmpty)
        #expect(allPairs(plain).count == 9)
        // K = 3 unravels everything: an error that says so.
        let error = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: path, options: LoadOptions(split: .randomRatio(0.5), kCore: 3))
        }
        #expect(error?.description.contains("no interactions left after the filters (3-core") == true, "\(String(describing: error))")
    }

    /// On random logs the iterated passes reach the k-core of the definition, and every user
    /// and item left has at least K pairs.
    @Test(arguments: [2, 3, 5])
    func convergesToTheKCore(_ k: Int) throws {
        var state = UInt64(k) &* 0x9E37_79B9_7F4A_7C15
        func below(_ n: Int) -> Int {  // a small LCG: deterministic, enough for a fixture
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        var log = PairLog(file: "random", userField: "user", itemField: "item")
        var seen = Set<[Int32]>()
        // Skewed degrees, so that removals cascade.
        while log.count < 600 {
            let u = Int32(below(80) * below(80) / 80), i = Int32(below(60) * below(60) / 60)
            guard seen.insert([u, i]).inserted else { continue }
            log.users.append(u); log.items.append(i); log.lines.append(Int32(log.count + 1))
        }
        var logs = [log]
        let rounds = InteractionFilters.kCore(&logs, k: k, numUsers: 80, numItems: 60)
        let kept = Set(zip(logs[0].users, logs[0].items).map { [$0, $1] })
        let reference = referenceKCore(zip(log.users, log.items).map { ($0, $1) }, k: k)
        let same = kept == reference  // (sets of 600 pairs would flood a failure message)
        #expect(same, "the passes kept \(kept.count) pairs, the k-core has \(reference.count)")
        #expect(rounds >= 1 && kept.count < 600)
        var userDegree: [Int32: Int] = [:], itemDegree: [Int32: Int] = [:]
        for p in kept { userDegree[p[0], default: 0] += 1; itemDegree[p[1], default: 0] += 1 }
        #expect(userDegree.values.allSatisfy { $0 >= k } && itemDegree.values.allSatisfy { $0 >= k })
        // A second pass over the result removes nothing.
        #expect(InteractionFilters.kCore(&logs, k: k, numUsers: 80, numItems: 60) == 0)
    }

    /// LightGCN files come split: the k-core counts train and test together, and the
    /// survivors are renumbered while keeping their ids.
    @Test func countsGivenFilesTogether() throws {
        let dir = TempDir()
        let root = dir.directory("lg")
        // Item 5 has one train and one test pair (2 in all); user 3 has two pairs, one of them
        // with item 9, which occurs once.
        dir.write("lg/train.txt", "0 1 2 5\n1 1 2\n2 1 2\n3 9\n")
        dir.write("lg/test.txt", "0 3\n1 5\n2 3\n3 1\n")
        let d = try DatasetLoader.load(path: root, options: LoadOptions(format: .lightgcn, kCore: 2))
        let outcome = try #require(d.filters.first)
        #expect(outcome.kind == .kCore(2))
        #expect(outcome.usersRemoved == 1 && outcome.itemsRemoved == 1)  // user 3 (after item 9), item 9
        #expect(d.items.index(of: "5") != nil && d.items.index(of: "9") == nil && d.users.index(of: "3") == nil)
        #expect(externalItems(d, d.test, user: "1") == ["5"])
        #expect(d.notes.contains { $0.contains("renumbered") })
        // Without the filter the numeric layout is untouched.
        let plain = try DatasetLoader.load(path: root, options: LoadOptions(format: .lightgcn))
        #expect(plain.users.externalIDs == ["0", "1", "2", "3"] && plain.filters.isEmpty)
    }
}

@Suite struct MinRatingTests {
    static let ratings = """
        user,item,rating,ts
        u1,a,5,1
        u1,b,2,2
        u1,c,4,3
        u2,a,4.5,1
        u2,c,3.9,2
        u2,d,4,3
        u3,b,1,1

        """

    @Test func keepsRatingsAtLeastTheMinimumInCSV() throws {
        let dir = TempDir()
        let path = dir.write("r.csv", Self.ratings)
        // All to train (ratio 1), so that no test pair is dropped for its item being unseen.
        let d = try DatasetLoader.load(path: path, options: LoadOptions(split: .randomRatio(1), minRating: 4))
        #expect(allPairs(d) == ["u1-a", "u1-c", "u2-a", "u2-d"])
        #expect(d.users.index(of: "u3") == nil && d.items.index(of: "b") == nil)
        #expect(d.filters == [FilterOutcome(kind: .minRating(4), rounds: 1, interactionsRemoved: 3, usersRemoved: 1, itemsRemoved: 1,
                                            interactionsLeft: 4, usersLeft: 2, itemsLeft: 3)])
        #expect(d.notes.contains("rating column: 2 (rating)"))
        // The split sees only what the filter kept: by time, half of u1's two kept pairs (a at
        // t1) train; without the filter two of three (a, b).
        let split = try DatasetLoader.load(path: path, options: LoadOptions(split: .ratioByTime(0.5), minRating: 4))
        #expect(externalItems(split, split.train, user: "u1") == ["a"])
        let unfiltered = try DatasetLoader.load(path: path, options: LoadOptions(split: .ratioByTime(0.5)))
        #expect(externalItems(unfiltered, unfiltered.train, user: "u1") == ["a", "b"])
    }

    @Test func ratingColumnByNameOrIndexAndWithoutHeader() throws {
        let dir = TempDir()
        let renamed = dir.write("s.csv", Self.ratings.replacingOccurrences(of: "rating", with: "stars"))
        let byName = try DatasetLoader.load(path: renamed, options: LoadOptions(split: .randomRatio(1), columns: ColumnMapping(rating: "stars"), minRating: 4))
        #expect(allPairs(byName) == ["u1-a", "u1-c", "u2-a", "u2-d"])
        let body = Self.ratings.split(separator: "\n").dropFirst().joined(separator: "\n")
        let bare = dir.write("bare.csv", body)
        let byIndex = try DatasetLoader.load(path: bare, options: LoadOptions(split: .randomRatio(1), columns: ColumnMapping(rating: 2),
                                                                             header: false, minRating: 4.5))
        #expect(allPairs(byIndex) == ["u1-a", "u2-a"])
        // Without a header the rating column has to be given by position.
        let error = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: bare, options: LoadOptions(split: .randomRatio(0.5), header: false, minRating: 4))
        }
        #expect(error?.message.contains("without a header") == true)
    }

    @Test func missingRatingColumnListsTheHeader() throws {
        let dir = TempDir()
        let path = dir.write("plays.csv", "user,item,ts\nu1,a,1\nu1,b,2\n")
        let error = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: path, options: LoadOptions(split: .leaveOneOutByTime, minRating: 4))
        }
        #expect(error?.description == "plays.csv:1: a minimum rating needs a rating column, and none is named 'rating'; "
                + "the header has 'user', 'item', 'ts' (choose one with --rating-column)")
        let named = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: path, options: LoadOptions(split: .leaveOneOutByTime, columns: ColumnMapping(rating: "score"), minRating: 4))
        }
        #expect(named?.message == "no column named 'score' for the rating; the header has 'user', 'item', 'ts'")
        // A rating that is not a number is reported with its line and column.
        let bad = dir.write("bad.csv", "user,item,rating\nu1,a,5\nu1,b,five\n")
        let notNumber = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: bad, options: LoadOptions(split: .leaveOneOutByTime, minRating: 4))
        }
        #expect(notNumber?.description == "bad.csv:3: field 3 (rating): 'five' is not a number (the rating)")
        // LightGCN files have no ratings at all.
        let root = dir.directory("lg")
        dir.write("lg/train.txt", "0 1 2\n")
        dir.write("lg/test.txt", "0 3\n")
        let lightgcn = #expect(throws: DataError.self) { try DatasetLoader.load(path: root, options: LoadOptions(format: .lightgcn, minRating: 1)) }
        #expect(lightgcn?.message.contains("LightGCN files") == true)
    }

    @Test func recboleAtomicFiles() throws {
        let dir = TempDir()
        let header = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        let rows = Self.ratings.split(separator: "\n").dropFirst().map { $0.replacingOccurrences(of: ",", with: "\t") }
        let root = dir.directory("tiny")
        dir.write("tiny/tiny.inter", header + rows.joined(separator: "\n") + "\n")
        let d = try DatasetLoader.load(path: root, options: LoadOptions(format: .recbole, split: .randomRatio(1), minRating: 4))
        #expect(allPairs(d) == ["u1-a", "u1-c", "u2-a", "u2-d"])
        #expect(d.filters.first?.interactionsRemoved == 3)
        // Both filters, in order: ratings first (u3's only pair goes), then the 2-core of what
        // is left (items b and d, one pair each).
        let both = try DatasetLoader.load(path: root, options: LoadOptions(format: .recbole, split: .randomRatio(1), minRating: 2, kCore: 2))
        #expect(both.filters == [
            FilterOutcome(kind: .minRating(2), rounds: 1, interactionsRemoved: 1, usersRemoved: 1, itemsRemoved: 0,
                          interactionsLeft: 6, usersLeft: 2, itemsLeft: 4),
            FilterOutcome(kind: .kCore(2), rounds: 1, interactionsRemoved: 2, usersRemoved: 0, itemsRemoved: 2,
                          interactionsLeft: 4, usersLeft: 2, itemsLeft: 2),
        ])
        #expect(allPairs(both) == ["u1-a", "u1-c", "u2-a", "u2-c"])
        // No rating field: the error lists the fields with their types.
        dir.write("norating/norating.inter", "user_id:token\titem_id:token\ttimestamp:float\nu1\ta\t1\n")
        let error = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: dir.url.appendingPathComponent("norating").path, options: LoadOptions(format: .recbole, minRating: 4))
        }
        #expect(error?.description == "norating.inter:1: a minimum rating needs a rating field, and none is named 'rating'; "
                + "fields are user_id:token, item_id:token, timestamp:float (choose one with --rating-column)")
        dir.write("tok/tok.inter", "user_id:token\titem_id:token\trating:token\nu1\ta\t5\n")
        let token = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: dir.url.appendingPathComponent("tok").path, options: LoadOptions(format: .recbole, minRating: 4))
        }
        #expect(token?.message == "the rating field must have type float, not token")
    }

    @Test func dataInfoPrintsWhatEachFilterRemoved() throws {
        let dir = TempDir()
        let path = dir.write("r.csv", Self.ratings)
        let d = try DatasetLoader.load(path: path, options: LoadOptions(split: .randomRatio(0.5), minRating: 2.5, kCore: 2))
        let report = DatasetInfo(d).description
        let table = """
              removed before the split  interactions  users  items  rounds
              rating >= 2.5                        2      1      1       1
              2-core                               1      0      1       1
            """
        #expect(report.contains(table), "\(report)")
    }
}
