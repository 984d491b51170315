import Foundation
import NumCore

/// Loads a run's item vectors (and semantic IDs) into a Milvus collection.
///
/// Milvus has no transactions; the replacement is atomic through an alias instead. The
/// export writes a new collection (`NAME_esans_STAMP`) with the export's
/// ``MilvusCollectionInfo`` in a property, inserts the rows in batches, flushes, builds the
/// vector index, loads the collection, waits until searches see every row, and only then
/// points the alias `NAME` (what readers query) at it and drops the collection it pointed at
/// before. Readers see the old collection until the alias moves and the complete new one
/// after; a failure before that drops the new collection and leaves the old one as it was.
public enum MilvusExport {
    /// How long each step took, and what was replaced.
    public struct Timing: Sendable {
        /// Rows loaded.
        public var rows = 0
        /// Seconds in Insert, in flush + index build + load, in all.
        public var insertSeconds = 0.0, indexSeconds = 0.0, totalSeconds = 0.0
        /// The collection written, and the one the alias pointed at before (dropped).
        public var collection = "", replaced: String?
        /// A problem after the alias moved (the old collection could not be dropped).
        public var warning: String?
    }

    /// Rows sent per Insert call by default.
    public static let defaultBatchRows = 2000
    /// Seconds to wait for Milvus to load the collection, and then to show all its rows.
    public static let loadTimeoutSeconds = 600.0

    /// Loads `rows` into a new collection laid out by `schema` and points the alias
    /// `schema.name` at it. `stamp` names the new collection (default: the time in ms).
    /// `progress` is told the rows sent so far after each batch.
    /// - Throws: ``VectorDBError`` (the new collection is then dropped).
    public static func run(_ rows: ExportRows, schema: MilvusSchema, info: MilvusCollectionInfo, client: MilvusClient,
                           batchRows: Int = defaultBatchRows, stamp: UInt64? = nil, progress: ((Int) -> Void)? = nil) throws -> Timing {
        precondition(schema.dimension == rows.vectors.cols, "schema dimension \(schema.dimension), vectors \(rows.vectors.cols)")
        precondition(schema.hasCodes == (rows.primary != nil && rows.secondary != nil), "schema and rows disagree on codes")
        let clock = ContinuousClock(), t0 = clock.now
        var timing = Timing()
        let old = try currentTarget(of: schema.name, client: client)
        let collection = schema.collectionName(stamp: stamp ?? UInt64(Date().timeIntervalSince1970 * 1000))
        timing.collection = collection; timing.replaced = old
        try client.callStatus("CreateCollection", MilvusRequests.createCollection(
            collection, schema: schema.collectionSchema(collection: collection),
            properties: [(MilvusSchema.infoProperty, info.json())], partitions: schema.partitions))
        do {
            let ti = clock.now
            let n = rows.ids.count, d = rows.vectors.cols, step = max(1, batchRows)
            let all = UnsafeBufferPointer(start: rows.vectors.data, count: n * d)
            var start = 0
            while start < n {
                let end = min(n, start + step)
                let request = MilvusRequests.insert(collection: collection, ids: rows.ids, vectors: all, dimension: d,
                                                    primary: rows.primary, secondary: rows.secondary, range: start..<end)
                let fields = try client.callFields("Insert", request)
                let inserted = fields.last { $0.0 == 6 }?.1.int64 ?? Int64(end - start)
                guard inserted == Int64(end - start) else {
                    throw VectorDBError("Milvus inserted \(inserted) of \(end - start) rows into \(collection)")
                }
                start = end
                progress?(end)
            }
            timing.rows = n
            timing.insertSeconds = ExportedVectors.seconds(clock.now - ti)
            let tx = clock.now
            _ = try client.callFields("Flush", MilvusRequests.flush(collection), slow: true)
            try client.callStatus("CreateIndex", MilvusRequests.createIndex(collection: collection, field: "vec",
                                                                            params: schema.indexParams()), slow: true)
            try client.callStatus("LoadCollection", MilvusRequests.collection(collection), slow: true)
            try waitLoaded(collection, client: client)
            try waitVisible(collection, rows: n, client: client)
            timing.indexSeconds = ExportedVectors.seconds(clock.now - tx)
            let request = MilvusRequests.alias(schema.name, collection: collection)
            if old == nil {
                // An alias left behind by a dropped collection (Milvus forgets it only
                // eventually) is taken over rather than refused.
                do { try client.callStatus("CreateAlias", request) } catch {
                    guard (try? client.callStatus("AlterAlias", request)) != nil else { throw error }
                }
            } else {
                try client.callStatus("AlterAlias", request)
            }
        } catch {
            try? client.dropCollection(collection)
            throw error
        }
        if let old {
            do { try client.dropCollection(old) } catch let e as VectorDBError {
                timing.warning = "the alias \(schema.name) now points at \(collection), but the previous collection \(old) "
                    + "could not be dropped: \(e.message)"
            }
        }
        timing.totalSeconds = ExportedVectors.seconds(clock.now - t0)
        return timing
    }

    /// The collection the alias `name` points at, nil when there is neither an alias nor a
    /// collection of that name.
    /// - Throws: ``VectorDBError`` when `name` is a collection itself (not an alias): the
    ///   export would have to drop it before the alias could take its name.
    public static func currentTarget(of name: String, client: MilvusClient) throws -> String? {
        // DescribeAlias fails for a name that is no alias (or nothing at all).
        if let target = try? client.aliasTarget(name), !target.isEmpty { return target }
        guard try client.hasCollection(name) else { return nil }
        throw VectorDBError("Milvus at \(client.address) has a collection named \(name) that is not an alias; esans exports "
                            + "write NAME_esans_STAMP collections behind the alias NAME: drop \(name) or choose another --collection")
    }

    /// Polls a count of the rows at the collection's consistency level (Bounded, what the
    /// server's searches use) until all `rows` are visible: Milvus hides rows younger than its
    /// staleness bound (5 s by default) from Bounded reads, so the alias must not move before.
    private static func waitVisible(_ collection: String, rows: Int, client: MilvusClient) throws {
        let deadline = Date().addingTimeInterval(loadTimeoutSeconds)
        while true {
            let seen = try client.count(collection: collection, collectionConsistency: true)
            if seen == Int64(rows) { return }
            guard Date() < deadline, seen < Int64(rows) else {
                throw VectorDBError("Milvus shows \(seen) of the \(rows) rows written into \(collection)"
                                    + (seen < Int64(rows) ? " after \(Int(loadTimeoutSeconds)) s" : ""))
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// Polls `GetLoadState` until the collection is loaded (milvus-lite loads synchronously;
    /// Milvus loads in the background).
    private static func waitLoaded(_ collection: String, client: MilvusClient) throws {
        let deadline = Date().addingTimeInterval(loadTimeoutSeconds)
        while true {
            let state = try client.callFields("GetLoadState", MilvusRequests.loadState(collection)).last { $0.0 == 2 }?.1.int64 ?? 0
            if state == 3 { return }
            guard Date() < deadline else {
                throw VectorDBError("Milvus did not load \(collection) within \(Int(loadTimeoutSeconds)) s (load state \(state))")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
