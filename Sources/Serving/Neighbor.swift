/// One retrieved item: its internal index and its inner product with the query.
public struct Neighbor: Sendable, Equatable {
    /// Item index (row of the run's item matrix).
    public var item: Int32
    /// Inner product of the query with the item vector.
    public var score: Float

    /// A neighbour `item` with `score`.
    public init(item: Int32, score: Float) {
        self.item = item
        self.score = score
    }
}

/// A nearest-neighbour index over L2-normalised item vectors, queried by inner product.
public protocol RetrievalIndex: Sendable {
    /// Number of indexed items.
    var count: Int { get }
    /// Vector dimension.
    var dimension: Int { get }
    /// The best `k` items for `query` (length ``dimension``), best first, skipping the item
    /// indices in `excluding` (sorted ascending, duplicates allowed).
    func search(_ query: UnsafeBufferPointer<Float>, k: Int, excluding: UnsafeBufferPointer<Int32>) -> [Neighbor]
}
