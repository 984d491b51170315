import NumCore
import Datasets

/// The top-K items of one block of users, as ``BatchRecommender`` hands them out.
public struct RecommendationChunk: Sendable {
    /// Position of the block's first user in the list asked for.
    public let first: Int
    /// The block's users (indices into the run's user map), in the order asked for.
    public let users: [Int32]
    /// Items per user (columns of ``items``).
    public let k: Int
    /// `users.count x k` item indices, row-major, best first; `-1` pads a row when fewer than
    /// `k` items are allowed for the user.
    public let items: [Int32]
    /// The matching inner products (NaN where the item is `-1`).
    public let scores: [Float]

    /// The number of items recommended to the block's user `r` (its row's entries before any `-1`).
    public func count(ofRow r: Int) -> Int {
        var n = 0
        while n < k && items[r * k + n] >= 0 { n += 1 }
        return n
    }
}

/// Exact top-K items for many users at once: the users' vectors in blocks against every item
/// (``ExactIndex/searchBatchScored(_:k:excluding:)``: `sgemm` scores, then one selection per
/// user over the shared ``WorkerPool``), optionally leaving out each user's known items. The
/// order is that of every other top-K in esans: higher score first, lower item index first
/// among equal scores.
public struct BatchRecommender: Sendable {
    /// Exact search over the item vectors.
    public let index: ExactIndex
    /// One vector per user (rows are user indices).
    public let userVectors: Matrix
    /// Items never recommended to a user (sorted per user), nil for none.
    public let exclusions: Interactions?

    /// A recommender over explicit vectors.
    public init(items: Matrix, users: Matrix, exclusions: Interactions?) {
        precondition(items.cols == users.cols, "users have \(users.cols) dimensions, items \(items.cols)")
        index = ExactIndex(items: items)
        userVectors = users
        self.exclusions = exclusions
    }

    /// A recommender over a loaded run; `excludeKnown` leaves out what each user saw in
    /// training (the training split and any validation split), as the server's `exclude_seen` does.
    public init(run: ServingRun, excludeKnown: Bool) {
        self.init(items: run.items, users: run.users, exclusions: excludeKnown ? run.known : nil)
    }

    /// Items per row for a request of `k`: never more than there are items.
    public func columns(k: Int) -> Int { min(max(k, 0), index.count) }

    /// Recommends `k` items to each of `users` (indices into the user vectors), `blockSize`
    /// users at a time, and hands each block to `body` in order.
    public func recommend(_ users: [Int32], k: Int, blockSize: Int = 1024,
                          _ body: (RecommendationChunk) throws -> Void) rethrows {
        let k = columns(k: k)
        var first = 0
        while first < users.count {
            let block = Array(users[first..<min(first + blockSize, users.count)])
            let queries = Matrix(uninitializedRows: block.count, cols: userVectors.cols)
            for (r, u) in block.enumerated() {
                queries.row(r).update(from: userVectors.row(Int(u)), count: userVectors.cols)
            }
            let excluded = exclusions
            let (items, scores) = index.searchBatchScored(queries, k: k, excluding: excluded.map { ex in
                { r in Array(ex.items(of: Int(block[r]))) }
            })
            try body(RecommendationChunk(first: first, users: block, k: k, items: items, scores: scores))
            first += block.count
        }
    }
}
