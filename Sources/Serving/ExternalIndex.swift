import NumCore
/// A nearest-neighbour service outside this process that holds the run's item vectors (a
/// vector database loaded by `esans export --to pgvector|milvus`), queried by inner product.
///
/// The server still computes the query vector itself (user tower, history pooling); only the
/// search over the items is handed over. Implementations live above Serving (the `VectorDB`
/// target), so this target links no database client.
public protocol ExternalIndex: Sendable {
    /// What answers, for logs and `/healthz` (e.g. `pgvector table esans_items (hnsw)`).
    var summary: String { get }
    /// The best `limit` items for `query` (L2-normalised, of the run's dimension), best
    /// first, as item indices of the run with their inner products.
    /// - Throws: ``ServingError`` with kind `unavailable` when the service cannot answer.
    func nearest(_ query: [Float], limit: Int) throws -> [Neighbor]
}

extension ExternalIndex {
    /// The best `k` items for `query` that are not in `excluding` (sorted ascending,
    /// duplicates allowed): asks the service for `k` plus the number of distinct excluded
    /// items, so that `k` remain after dropping them (when the service's own search is exact).
    /// `count` is the number of items in the run (no request asks for more).
    public func search(_ query: [Float], k: Int, excluding: [Int32], count: Int) throws -> [Neighbor] {
        var distinct = 0
        for (i, e) in excluding.enumerated() where i == 0 || excluding[i - 1] != e { distinct += 1 }
        let hits = try nearest(query, limit: min(count, k + distinct))
        var out: [Neighbor] = []
        out.reserveCapacity(k)
        for h in hits where !excluding.sortedContains(h.item) {
            out.append(h)
            if out.count == k { break }
        }
        return out
    }
}
