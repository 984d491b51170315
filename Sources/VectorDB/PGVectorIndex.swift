import Foundation
import NumCore
import Serving

/// Item search answered by a pgvector table written by `esans export --to pgvector`
/// (``PGVectorExport``): `ORDER BY vec <#> query LIMIT n` over a pool of connections.
///
/// Opening checks the table's comment (``PGVectorTableInfo``) against the run, and compares a
/// few stored vectors with the run's, so that a table exported from another run or model is
/// refused at startup rather than answering with wrong items.
public final class PGVectorIndex: ExternalIndex, @unchecked Sendable {
    /// The table searched.
    public let table: String
    /// What the export recorded.
    public let info: PGVectorTableInfo
    /// HNSW candidate list (`hnsw.ef_search`; raised to the limit of a query, up to 1000).
    public let efSearch: Int
    /// Lists an ivfflat index probes (`ivfflat.probes`).
    public let probes: Int
    private let pool: PostgresPool
    private let itemIndex: (String) -> Int?
    private let sql: String

    /// pgvector's largest `hnsw.ef_search`.
    public static let maxEfSearch = 1000

    /// Opens `table` on the server of `dsn` to serve `run`.
    /// - Throws: ``ServingError`` (`badInput`) when the server cannot be reached, the table is
    ///   missing or was exported from another run.
    public convenience init(dsn: String, table: String, run: ServingRun, efSearch: Int = 100, probes: Int = 10, maxIdle: Int = 4) throws {
        let items = run.dataset.items
        do {
            try self.init(pool: PostgresPool(dsn: dsn, maxIdle: maxIdle), table: table, efSearch: efSearch, probes: probes,
                          itemIndex: { items.index(of: $0) })
            if let why = info.mismatch(items: run.dataset.numItems, dimension: run.dimension, dataFingerprint: run.dataFingerprint) {
                throw VectorDBError("pgvector table \(table) cannot serve \(run.directory.path): \(why); export it again with `esans export --to pgvector`")
            }
            try checkSample(run.items, names: { items[$0] }, runPath: run.directory.path)
        } catch let e as VectorDBError {
            throw ServingError(.badInput, e.message)
        }
    }

    /// Opens `table` through `pool`; `itemIndex` maps a stored id to the run's item index.
    /// - Throws: ``VectorDBError`` when the table is missing or has no esans comment.
    public init(pool: PostgresPool, table: String, efSearch: Int, probes: Int, itemIndex: @escaping (String) -> Int?) throws {
        self.pool = pool; self.table = table; self.itemIndex = itemIndex
        self.efSearch = min(max(1, efSearch), Self.maxEfSearch); self.probes = max(1, probes)
        sql = PGVectorSchema.searchSQL(table: table)
        let row = try pool.with { try $0.query(PGVectorSchema.commentSQL, [PGVectorSchema.quote(table)]) }.first ?? []
        guard row.count == 2, row[0] == "t" else {
            throw VectorDBError("PostgreSQL has no table \(table); write it with `esans export --to pgvector --table \(table)`")
        }
        info = try PGVectorTableInfo.parse(row[1], table: table)
    }

    public var summary: String {
        "pgvector table \(table) (\(info.index.rawValue)" + (info.partitions > 0 ? ", \(info.partitions) partitions" : "")
            + (info.index == .hnsw ? ", ef_search \(efSearch)" : info.index == .ivfflat ? ", probes \(probes)" : "") + ")"
    }

    public func nearest(_ query: [Float], limit: Int) throws -> [Neighbor] {
        let rows: [[String?]]
        do {
            rows = try pool.with { db in
                try applySettings(db, limit: limit)
                return try db.query(sql, [PGVectorCopy.vectorLiteral(query), String(limit)])
            }
        } catch let e as VectorDBError {
            throw ServingError(.unavailable, "pgvector: \(e.message)")
        }
        var out: [Neighbor] = []
        out.reserveCapacity(rows.count)
        for row in rows {
            guard row.count == 2, let id = row[0], let d = row[1].flatMap({ Double($0) }) else {
                throw ServingError(.unavailable, "pgvector table \(table) answered a row that is not (id, distance)")
            }
            guard let i = itemIndex(id) else {
                throw ServingError(.unavailable, "pgvector table \(table) holds item '\(id)', which the run does not know; export it again")
            }
            // `<#>` is the negated inner product.
            out.append(Neighbor(item: Int32(i), score: Float(-d)))
        }
        return out
    }

    /// The session settings a query of `limit` rows needs (sent only when they change).
    private func applySettings(_ db: PostgresConnection, limit: Int) throws {
        var wanted: [(String, String)] = [("client_min_messages", "warning")]
        switch info.index {
        case .flat: break
        case .hnsw: wanted.append(("hnsw.ef_search", String(min(Self.maxEfSearch, max(efSearch, limit)))))
        case .ivfflat: wanted.append(("ivfflat.probes", String(probes)))
        }
        for (name, value) in wanted where db.settings[name] != value {
            try db.execute("SET \(name) = \(value)")
            db.settings[name] = value
        }
    }

    /// Compares up to 16 stored vectors, spread over the items, with the run's.
    private func checkSample(_ items: Matrix, names: (Int) -> String, runPath: String) throws {
        try ExportedVectors.checkSample(items, names: names, what: "pgvector table \(table)", runPath: runPath) { ids in
            let rows = try pool.with {
                try $0.query("SELECT id, vec::text FROM \(PGVectorSchema.quote(table)) WHERE id = ANY($1::text[])", [Self.textArray(ids)])
            }
            var stored: [String: [Float]] = [:]
            for r in rows where r.count == 2 {
                if let id = r[0], let v = r[1].flatMap(PGVectorCopy.parseVector) { stored[id] = v }
            }
            return stored
        }
    }

    /// A PostgreSQL text-array literal (`{"a","b\"c"}`).
    public static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
