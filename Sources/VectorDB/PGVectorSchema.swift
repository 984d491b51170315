import Foundation

/// How a pgvector table is searched: `flat` is no index (an exact scan), `hnsw` and
/// `ivfflat` are pgvector's approximate indexes, all on inner product (`vector_ip_ops`, the
/// `<#>` operator; the vectors are L2-normalised, so this is cosine similarity).
public enum PGVectorIndexKind: String, CaseIterable, Sendable, Codable {
    case flat, hnsw, ivfflat
}

/// The layout of an exported table and the SQL that creates, fills, indexes, swaps and
/// searches it. Pure text: no connection needed (see ``PGVectorExport`` for the procedure).
///
/// Columns: `id text` (the item's id in the data), `vec vector(d)`, `primary_code integer`,
/// `secondary_code integer` (the MSAC semantic ID; NULL without one). The codes are not
/// named `primary`/`secondary`: PRIMARY is a reserved word in SQL and would need quoting in
/// every query. With semantic IDs and `partitions > 0` the table is HASH-partitioned by
/// `primary_code` (all items of one primary code in one partition, like Milvus's partition
/// key); a B-tree index on `primary_code` serves filters either way.
public struct PGVectorSchema: Sendable, Equatable {
    /// Table name (see ``validateName(_:)``).
    public var table: String
    /// Vector dimension.
    public var dimension: Int
    /// The vector index built after loading.
    public var index: PGVectorIndexKind
    /// Hash partitions by `primary_code` (0: one plain table). Needs semantic IDs.
    public var partitions: Int
    /// Whether the rows carry semantic IDs.
    public var hasCodes: Bool
    /// `lists` of an ivfflat index (per partition).
    public var ivfLists: Int
    /// HNSW graph degree and build-time candidate list.
    public var hnswM = 16, hnswEfConstruction = 64

    /// Longest table name: the staging suffix and partition suffixes must fit PostgreSQL's
    /// 63-byte identifiers.
    public static let maxNameLength = 40

    /// A schema for `table`; `partitions` is ignored (0) without codes.
    public init(table: String, dimension: Int, index: PGVectorIndexKind, partitions: Int, hasCodes: Bool, ivfLists: Int) {
        self.table = table; self.dimension = dimension; self.index = index
        self.partitions = hasCodes ? partitions : 0
        self.hasCodes = hasCodes; self.ivfLists = max(1, ivfLists)
    }

    /// Checks a table name: lower-case letters, digits and `_`, starting with a letter or `_`,
    /// at most ``maxNameLength`` characters. Returns nil when it is fine, else why not.
    public static func validateName(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= maxNameLength else {
            return "table name must have 1 to \(maxNameLength) characters, not \(name.utf8.count)"
        }
        for (i, c) in name.utf8.enumerated() {
            let ok = (c >= 97 && c <= 122) || c == 95 || (i > 0 && c >= 48 && c <= 57)
            if !ok { return "table name '\(name)' may use only a-z, 0-9 and _, and must not start with a digit" }
        }
        return nil
    }

    /// An ivfflat `lists` for `rows` rows in `partitions` partitions: the square root of the
    /// rows per partition (at least 1).
    public static func defaultIVFLists(rows: Int, partitions: Int) -> Int {
        max(1, Int(Double(rows / max(1, partitions)).squareRoot().rounded()))
    }

    /// The table the export fills before it replaces ``table``.
    public var staging: String { table + "_esans_new" }

    /// `name` as a quoted SQL identifier.
    public static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// `text` as a SQL string literal (standard-conforming strings).
    public static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// Statements that create the staging table (and its partitions).
    public func createStatements() -> [String] {
        let s = Self.quote(staging)
        let codeType = hasCodes ? "integer NOT NULL" : "integer"
        var cols = "id text NOT NULL, vec vector(\(dimension)) NOT NULL, primary_code \(codeType), secondary_code \(codeType)"
        // A partitioned table's primary key must hold the partition key.
        cols += ", CONSTRAINT \(Self.quote(staging + "_pkey")) PRIMARY KEY (id\(partitions > 0 ? ", primary_code" : ""))"
        var out = ["CREATE TABLE \(s) (\(cols))" + (partitions > 0 ? " PARTITION BY HASH (primary_code)" : "")]
        for p in 0..<partitions {
            out.append("CREATE TABLE \(Self.quote(staging + "_p\(p)")) PARTITION OF \(s) FOR VALUES WITH (MODULUS \(partitions), REMAINDER \(p))")
        }
        return out
    }

    /// The COPY statement whose rows ``PGVectorCopy`` encodes.
    public var copyStatement: String {
        "COPY \(Self.quote(staging)) (id, vec, primary_code, secondary_code) FROM STDIN"
    }

    /// Statements that index the filled staging table.
    public func indexStatements() -> [String] {
        let s = Self.quote(staging)
        var out: [String] = []
        switch index {
        case .flat: break
        case .hnsw:
            out.append("CREATE INDEX \(Self.quote(staging + "_vec")) ON \(s) USING hnsw (vec vector_ip_ops) WITH (m = \(hnswM), ef_construction = \(hnswEfConstruction))")
        case .ivfflat:
            out.append("CREATE INDEX \(Self.quote(staging + "_vec")) ON \(s) USING ivfflat (vec vector_ip_ops) WITH (lists = \(ivfLists))")
        }
        if hasCodes { out.append("CREATE INDEX \(Self.quote(staging + "_primary")) ON \(s) (primary_code)") }
        return out
    }

    /// Statements that replace ``table`` by the staging table (run in the export's
    /// transaction, so readers see the old table or the new one, never a mix): drop the old
    /// table, rename the staging table, its partitions and named indexes, record `comment`.
    public func swapStatements(comment: String) -> [String] {
        var out = ["DROP TABLE IF EXISTS \(Self.quote(table))",
                   "ALTER TABLE \(Self.quote(staging)) RENAME TO \(Self.quote(table))"]
        for p in 0..<partitions {
            out.append("ALTER TABLE \(Self.quote(staging + "_p\(p)")) RENAME TO \(Self.quote(table + "_p\(p)"))")
        }
        var indexes = ["_pkey"]
        if index != .flat { indexes.append("_vec") }
        if hasCodes { indexes.append("_primary") }
        for suffix in indexes {
            out.append("ALTER INDEX \(Self.quote(staging + suffix)) RENAME TO \(Self.quote(table + suffix))")
        }
        out.append("COMMENT ON TABLE \(Self.quote(table)) IS \(Self.literal(comment))")
        return out
    }

    /// The nearest-neighbour query: `$1` the query vector (``PGVectorCopy/vectorLiteral(_:)``),
    /// `$2` the limit; rows are `id` and the negated inner product (`<#>`), best first.
    public static func searchSQL(table: String) -> String {
        "SELECT id, vec <#> $1::vector AS distance FROM \(quote(table)) ORDER BY vec <#> $1::vector LIMIT $2::integer"
    }

    /// Whether the table exists (`t`/`f`) and its comment (the export's ``PGVectorTableInfo``);
    /// `$1` the quoted table name.
    public static let commentSQL = "SELECT to_regclass($1) IS NOT NULL, obj_description(to_regclass($1)::oid, 'pg_class')"
}
