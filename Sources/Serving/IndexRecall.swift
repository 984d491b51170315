import Foundation
import NumCore
import Datasets

/// Recall@K of an ``IVFIndex`` at its default nprobe against exact search, measured when the
/// index is built (`esans index build`) on a seeded sample of the run's users, their training
/// items excluded as when serving them, and recorded in the index's metadata so that
/// `esans serve` can say what it serves.
///
/// IVF lists from MSAC clusters can be poor for search (0.455 at nprobe 8 against 0.983 with
/// k-means lists on one run), which is why the build measures it instead of assuming it.
public struct IndexRecall: Sendable, Equatable {
    /// Mean over the query users of |IVF top-K ∩ exact top-K| / |exact top-K|.
    public var recall: Double
    /// The K of recall@K.
    public var k: Int
    /// The lists probed (the index's default).
    public var nprobe: Int
    /// Query users measured.
    public var queries: Int
    /// Seed of the user sample.
    public var seed: UInt64

    /// The recall below which `esans index build` refuses to write the index (without
    /// `--allow-low-recall`) and `esans serve` warns.
    public static let defaultMinimum = 0.9

    /// A measurement with these values.
    public init(recall: Double, k: Int, nprobe: Int, queries: Int, seed: UInt64) {
        self.recall = recall
        self.k = k
        self.nprobe = nprobe
        self.queries = queries
        self.seed = seed
    }

    /// The metadata keys of an index file that hold the measurement.
    static let keys = (recall: "recall", k: "recall_k", nprobe: "recall_nprobe", queries: "recall_queries", seed: "recall_seed")

    /// The measurement as index metadata (`recall`, `recall_k`, `recall_nprobe`,
    /// `recall_queries`, `recall_seed`).
    public var metadata: [String: String] {
        [Self.keys.recall: String(format: "%.6f", recall), Self.keys.k: String(k), Self.keys.nprobe: String(nprobe),
         Self.keys.queries: String(queries), Self.keys.seed: String(seed)]
    }

    /// The measurement an index file's metadata records; nil for indexes built before esans
    /// measured recall (or metadata that does not parse).
    public init?(metadata: [String: String]) {
        guard let r = metadata[Self.keys.recall].flatMap(Double.init), r.isFinite, (0...1).contains(r),
              let k = metadata[Self.keys.k].flatMap(Int.init), let nprobe = metadata[Self.keys.nprobe].flatMap(Int.init),
              let queries = metadata[Self.keys.queries].flatMap(Int.init), let seed = metadata[Self.keys.seed].flatMap(UInt64.init)
        else { return nil }
        self.init(recall: r, k: k, nprobe: nprobe, queries: queries, seed: seed)
    }

    /// `recall@100 0.9623 at nprobe 16 (1000 users, seed 1)`.
    public var summary: String {
        String(format: "recall@%d %.4f at nprobe %d (%d users, seed %llu)", k, recall, nprobe, queries, seed)
    }

    /// `count` users of `numUsers` drawn with `seed` (all of them, shuffled, when `count` is 0
    /// or not below `numUsers`); the sample `esans index eval` draws too.
    public static func sampleUsers(count: Int, of numUsers: Int, seed: UInt64) -> [Int] {
        var users = Array(0..<numUsers)
        if count > 0 && count < numUsers {
            var rng = RandomSource(seed: seed).derived("index-eval-queries")
            rng.shuffle(&users)
            users = Array(users[..<count])
        }
        return users
    }

    /// The query vectors of `users` (rows of `userVectors`).
    public static func queryMatrix(_ users: [Int], from userVectors: Matrix) -> Matrix {
        let q = Matrix(uninitializedRows: users.count, cols: userVectors.cols)
        for (i, u) in users.enumerated() { q.row(i).update(from: userVectors.row(u), count: q.cols) }
        return q
    }

    /// Measures `ivf` at each of `probes` against exact search over the same items, for
    /// `queries` users drawn with `seed` from `userVectors`, each with its `known` items
    /// excluded. One exact search gives the truth for every nprobe.
    public static func measure(ivf: IVFIndex, items: Matrix, userVectors: Matrix, known: Interactions,
                               k: Int, queries: Int, seed: UInt64, probes: [Int]) -> [IndexRecall] {
        let users = sampleUsers(count: queries, of: userVectors.rows, seed: seed)
        let q = queryMatrix(users, from: userVectors)
        let k = min(k, items.rows)
        let excluding: (Int) -> [Int32] = { Array(known.items(of: users[$0])) }
        let truth = ExactIndex(items: items).searchBatch(q, k: k, excluding: excluding)
        return probes.map { nprobe in
            let found = ivf.searchBatch(q, k: k, nprobe: nprobe, excluding: excluding)
            return IndexRecall(recall: IndexEvaluation.meanRecall(truth: truth, found: found, queries: users.count, k: k),
                               k: k, nprobe: nprobe, queries: users.count, seed: seed)
        }
    }

    /// The nprobe values worth trying above `nprobe` when its recall is too low: doubling up to
    /// every list.
    public static func largerProbes(than nprobe: Int, lists: Int) -> [Int] {
        var out: [Int] = []
        var p = max(1, nprobe)
        while p < lists {
            p = min(lists, p * 2)
            out.append(p)
        }
        return out
    }
}
