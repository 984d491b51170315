/// How a Milvus collection is searched: `flat` is Milvus's FLAT index (an exact scan), `hnsw`
/// and `ivf-flat` its approximate HNSW and IVF_FLAT, all on inner product (`IP`; the vectors
/// are L2-normalised, so this is cosine similarity).
public enum MilvusIndexKind: String, CaseIterable, Sendable, Codable {
    case flat, hnsw, ivfFlat = "ivf-flat"

    /// Milvus's `index_type`.
    public var milvusName: String {
        switch self {
        case .flat: "FLAT"
        case .hnsw: "HNSW"
        case .ivfFlat: "IVF_FLAT"
        }
    }
}

/// The layout of an exported collection: fields, index and the parameters Milvus is sent.
/// Pure data: no connection needed (see ``MilvusExport`` for the procedure).
///
/// Fields: `id` VarChar primary key (the item's id in the data), `vec` FloatVector of the
/// run's dimension and, with semantic IDs, `primary_code` and `secondary_code` Int64; with
/// `partitions > 0` `primary_code` is the partition key (Milvus hashes it over that many
/// physical partitions, so all items of one primary code share one).
public struct MilvusSchema: Sendable, Equatable {
    /// The name users query: an alias that points at the collection of the latest export.
    public var name: String
    /// Vector dimension.
    public var dimension: Int
    /// The vector index.
    public var index: MilvusIndexKind
    /// Whether the rows carry semantic IDs.
    public var hasCodes: Bool
    /// Physical partitions of the partition key `primary_code` (0: no partition key).
    public var partitions: Int
    /// Longest id in bytes (VarChar `max_length`).
    public var idMaxLength: Int
    /// IVF_FLAT `nlist`.
    public var nlist: Int
    /// HNSW graph degree and build-time candidate list.
    public var hnswM = 16, hnswEfConstruction = 64

    /// Longest name: the export's suffix must fit Milvus's 255-character names.
    public static let maxNameLength = 200
    /// Milvus's largest number of partitions for a partition key.
    public static let maxPartitions = 1024
    /// The collection property that holds the export's ``MilvusCollectionInfo``.
    public static let infoProperty = "esans.export"

    /// A schema for the alias `name`; `partitions` is ignored (0) without codes.
    public init(name: String, dimension: Int, index: MilvusIndexKind, hasCodes: Bool, partitions: Int, idMaxLength: Int, nlist: Int) {
        self.name = name; self.dimension = dimension; self.index = index; self.hasCodes = hasCodes
        self.partitions = hasCodes ? partitions : 0
        self.idMaxLength = min(65535, max(1, idMaxLength)); self.nlist = max(1, nlist)
    }

    /// Checks a collection name: letters, digits and `_`, starting with a letter or `_`, at
    /// most ``maxNameLength`` characters. Returns nil when it is fine, else why not.
    public static func validateName(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= maxNameLength else {
            return "collection name must have 1 to \(maxNameLength) characters, not \(name.utf8.count)"
        }
        for (i, c) in name.utf8.enumerated() {
            let letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95
            if !(letter || (i > 0 && c >= 48 && c <= 57)) {
                return "collection name '\(name)' may use only letters, digits and _, and must not start with a digit"
            }
        }
        return nil
    }

    /// An IVF_FLAT `nlist` for `rows` rows over `partitions` partitions: the square root of
    /// the rows per partition (Milvus builds an index per segment, and a segment holds one
    /// partition's rows), at least 1 and at most 65536; pgvector's rule for its lists.
    public static func defaultNList(rows: Int, partitions: Int) -> Int {
        min(65536, PGVectorSchema.defaultIVFLists(rows: rows, partitions: partitions))
    }

    /// The collection an export started at `stamp` (e.g. milliseconds since 1970) writes
    /// before the alias ``name`` is pointed at it.
    public func collectionName(stamp: UInt64) -> String { name + "_esans_" + String(stamp) }

    /// The serialised `schema.CollectionSchema` of collection `collection`.
    public func collectionSchema(collection: String) -> [UInt8] {
        var s = ProtobufWriter()
        s.string(1, collection)
        s.string(2, "esans item vectors (inner product on L2-normalised vectors)")
        // FieldSchema: name 2, is_primary_key 3, data_type 5, type_params 6, is_partition_key 13
        // (no fieldID: the server assigns them, as for pymilvus's schemas).
        s.message(4) { f in
            f.string(2, "id"); f.bool(3, true); f.int64(5, MilvusDataType.varChar)
            f.keyValue(6, "max_length", String(idMaxLength))
        }
        s.message(4) { f in
            f.string(2, "vec"); f.int64(5, MilvusDataType.floatVector)
            f.keyValue(6, "dim", String(dimension))
        }
        if hasCodes {
            s.message(4) { f in
                f.string(2, "primary_code"); f.int64(5, MilvusDataType.int64)
                if partitions > 0 { f.bool(13, true) }
            }
            s.message(4) { f in f.string(2, "secondary_code"); f.int64(5, MilvusDataType.int64) }
        }
        return s.bytes
    }

    /// The `extra_params` of the vector index (`index_type`, `metric_type`, `params` as JSON).
    public func indexParams() -> [(String, String)] {
        let params: String
        switch index {
        case .flat: params = "{}"
        case .hnsw: params = "{\"M\":\(hnswM),\"efConstruction\":\(hnswEfConstruction)}"
        case .ivfFlat: params = "{\"nlist\":\(nlist)}"
        }
        return [("index_type", index.milvusName), ("metric_type", "IP"), ("params", params)]
    }

    /// The search `params` JSON for a query of `limit` results: HNSW's `ef` (at least the
    /// limit, as Milvus requires), IVF_FLAT's `nprobe` (at most `nlist`).
    public func searchParams(limit: Int, ef: Int, nprobe: Int) -> String {
        switch index {
        case .flat: "{}"
        case .hnsw: "{\"ef\":\(max(ef, limit))}"
        case .ivfFlat: "{\"nprobe\":\(min(max(1, nprobe), nlist))}"
        }
    }
}

/// `schema.DataType` values used by the export.
public enum MilvusDataType {
    public static let int64: Int64 = 5, varChar: Int64 = 21, floatVector: Int64 = 101
}
