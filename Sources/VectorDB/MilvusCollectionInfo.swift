import Foundation

/// What an exported Milvus collection holds, written as JSON into its collection property
/// ``MilvusSchema/infoProperty`` so that `esans serve --backend milvus` can check that the
/// collection fits the run it serves (as ``PGVectorTableInfo`` does for pgvector tables).
public struct MilvusCollectionInfo: Codable, Sendable, Equatable {
    /// Marks the property as esans's (and its layout version).
    public var format = MilvusCollectionInfo.currentFormat
    /// Rows (items).
    public var items: Int
    /// Vector dimension.
    public var dimension: Int
    /// The fingerprint of the data the run was trained on.
    public var dataFingerprint: String
    /// The run directory exported (for people; not checked).
    public var run: String
    /// The vector index, and its `nlist` (IVF_FLAT) or `M`/`efConstruction` (HNSW).
    public var index: MilvusIndexKind
    public var nlist: Int?, hnswM: Int?, hnswEfConstruction: Int?
    /// Physical partitions of the partition key `primary_code` (0: none).
    public var partitions: Int
    /// Primary and secondary codebook sizes, when the rows carry semantic IDs.
    public var kp: Int?, ks: Int?
    /// Always `IP` (inner product on L2-normalised vectors).
    public var metric = "IP"

    /// The format this esans writes.
    public static let currentFormat = "esans-milvus/1"

    enum CodingKeys: String, CodingKey {
        case format, items, dimension, dataFingerprint = "data_fingerprint", run, index, nlist, hnswM = "hnsw_m",
             hnswEfConstruction = "hnsw_ef_construction", partitions, kp, ks, metric
    }

    /// Info for a collection of `items` rows laid out by `schema`.
    public init(items: Int, dataFingerprint: String, run: String, schema: MilvusSchema, kp: Int? = nil, ks: Int? = nil) {
        self.items = items; self.dimension = schema.dimension; self.dataFingerprint = dataFingerprint; self.run = run
        self.index = schema.index; self.partitions = schema.partitions; self.kp = kp; self.ks = ks
        switch schema.index {
        case .flat: break
        case .hnsw: hnswM = schema.hnswM; hnswEfConstruction = schema.hnswEfConstruction
        case .ivfFlat: nlist = schema.nlist
        }
    }

    /// The property value (compact JSON, keys sorted).
    public func json() -> String {
        ExportedVectors.compactJSON(self)
    }

    /// Reads the property of collection `collection`.
    /// - Throws: ``VectorDBError`` when `value` is missing or not an esans export's.
    public static func parse(_ value: String?, collection: String) throws -> MilvusCollectionInfo {
        guard let value, !value.isEmpty else {
            throw VectorDBError("Milvus collection \(collection) has no \(MilvusSchema.infoProperty) property: "
                                + "was it written by `esans export --to milvus`?")
        }
        guard let info = try? JSONDecoder().decode(MilvusCollectionInfo.self, from: Data(value.utf8)),
              info.format == currentFormat else {
            throw VectorDBError("Milvus collection \(collection): its \(MilvusSchema.infoProperty) property is not an esans "
                                + "export's (\(currentFormat)): \(value.prefix(120))")
        }
        return info
    }

    /// Why this collection cannot serve a run with `items` items of `dimension` trained on
    /// data `dataFingerprint`, or nil when it can.
    public func mismatch(items: Int, dimension: Int, dataFingerprint: String) -> String? {
        ExportedVectors.mismatch(stored: (self.items, self.dimension, self.dataFingerprint),
                                 run: (items, dimension, dataFingerprint))
    }
}
