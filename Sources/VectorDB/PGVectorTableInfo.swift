import Foundation

/// What an exported table holds, written as JSON into the table's comment
/// (`COMMENT ON TABLE`) so that `esans serve --backend pgvector` can check that the table
/// fits the run it serves.
public struct PGVectorTableInfo: Codable, Sendable, Equatable {
    /// Marks the comment as esans's (and its layout version).
    public var format = PGVectorTableInfo.currentFormat
    /// Rows (items).
    public var items: Int
    /// Vector dimension.
    public var dimension: Int
    /// The fingerprint of the data the run was trained on.
    public var dataFingerprint: String
    /// The run directory exported (for people; not checked).
    public var run: String
    /// The vector index.
    public var index: PGVectorIndexKind
    /// Hash partitions by primary code (0: none).
    public var partitions: Int
    /// Primary and secondary codebook sizes, when the rows carry semantic IDs.
    public var kp: Int?, ks: Int?
    /// Always `inner_product` (L2-normalised vectors).
    public var metric = "inner_product"

    /// The format this esans writes.
    public static let currentFormat = "esans-pgvector/1"

    enum CodingKeys: String, CodingKey {
        case format, items, dimension, dataFingerprint = "data_fingerprint", run, index, partitions, kp, ks, metric
    }

    /// Info for a table of `items` rows.
    public init(items: Int, dimension: Int, dataFingerprint: String, run: String, index: PGVectorIndexKind,
                partitions: Int, kp: Int? = nil, ks: Int? = nil) {
        self.items = items; self.dimension = dimension; self.dataFingerprint = dataFingerprint; self.run = run
        self.index = index; self.partitions = partitions; self.kp = kp; self.ks = ks
    }

    /// The comment text (compact JSON, keys sorted).
    public func json() -> String {
        ExportedVectors.compactJSON(self)
    }

    /// Reads a table comment.
    /// - Throws: ``VectorDBError`` when `comment` is missing or not an esans table's.
    public static func parse(_ comment: String?, table: String) throws -> PGVectorTableInfo {
        guard let comment, !comment.isEmpty else {
            throw VectorDBError("table \(table) has no esans comment: was it written by `esans export --to pgvector`?")
        }
        guard let info = try? JSONDecoder().decode(PGVectorTableInfo.self, from: Data(comment.utf8)),
              info.format == currentFormat else {
            throw VectorDBError("table \(table): its comment is not an esans export's (\(currentFormat)): \(comment.prefix(120))")
        }
        return info
    }

    /// Why this table cannot serve a run with `items` items of `dimension` trained on data
    /// `dataFingerprint`, or nil when it can.
    public func mismatch(items: Int, dimension: Int, dataFingerprint: String) -> String? {
        ExportedVectors.mismatch(stored: (self.items, self.dimension, self.dataFingerprint),
                                 run: (items, dimension, dataFingerprint))
    }
}
