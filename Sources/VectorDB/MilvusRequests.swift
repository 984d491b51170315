import NumCore

/// The serialised Milvus requests esans sends (`milvus.proto.milvus` messages, field numbers
/// from milvus-proto's milvus.proto, schema.proto and common.proto). Pure: bytes in, bytes out.
public enum MilvusRequests {
    /// The gRPC method path of `MilvusService` method `name`.
    public static func method(_ name: String) -> String { "/milvus.proto.milvus.MilvusService/" + name }

    /// `HasCollectionRequest`, `DescribeCollectionRequest`, `DropCollectionRequest`,
    /// `LoadCollectionRequest`: only `collection_name` (3).
    public static func collection(_ name: String) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(3, name)
        return w.bytes
    }

    /// `CreateCollectionRequest`: name, schema (``MilvusSchema/collectionSchema(collection:)``),
    /// one shard, Bounded consistency, `properties`, and the partition key's partitions.
    public static func createCollection(_ name: String, schema: [UInt8], properties: [(String, String)], partitions: Int) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(3, name)
        w.bytes(4, schema)
        w.int64(5, 1)
        w.int64(6, 2)  // ConsistencyLevel.Bounded: the collection is written once, then read.
        for (k, v) in properties { w.keyValue(7, k, v) }
        if partitions > 0 { w.int64(8, Int64(partitions)) }
        return w.bytes
    }

    /// `InsertRequest` of rows `range` of parallel columns: `id` VarChar, `vec` FloatVector
    /// (`vectors` row-major, `dimension` wide) and, when given, the Int64 code columns.
    public static func insert(collection: String, ids: [String], vectors: UnsafeBufferPointer<Float>, dimension: Int,
                              primary: [Int32]?, secondary: [Int32]?, range: Range<Int>) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(3, collection)
        // FieldData: type 1, field_name 2, scalars 3 (ScalarField), vectors 4 (VectorField).
        w.message(5) { f in
            f.int64(1, MilvusDataType.varChar); f.string(2, "id")
            f.message(3) { s in s.message(6) { a in for i in range { a.string(1, ids[i]) } } }
        }
        w.message(5) { f in
            f.int64(1, MilvusDataType.floatVector); f.string(2, "vec")
            f.message(4) { v in
                v.int64(1, Int64(dimension))
                let rows = UnsafeBufferPointer(rebasing: vectors[(range.lowerBound * dimension)..<(range.upperBound * dimension)])
                v.message(2) { a in a.packedFloats(1, rows) }
            }
        }
        for (name, column) in [("primary_code", primary), ("secondary_code", secondary)] {
            guard let column else { continue }
            w.message(5) { f in
                f.int64(1, MilvusDataType.int64); f.string(2, name)
                f.message(3) { s in s.message(3) { a in a.packedInt64s(1, column[range].lazy.map { Int64($0) }) } }
            }
        }
        w.int64(7, Int64(range.count))
        return w.bytes
    }

    /// `FlushRequest` of one collection.
    public static func flush(_ collection: String) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(3, collection)
        return w.bytes
    }

    /// `CreateIndexRequest` on `field` with `params` (``MilvusSchema/indexParams()``).
    public static func createIndex(collection: String, field: String, params: [(String, String)]) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(3, collection)
        w.string(4, field)
        for (k, v) in params { w.keyValue(5, k, v) }
        w.string(6, field)
        return w.bytes
    }

    /// `CreateAliasRequest` / `AlterAliasRequest`: point `alias` at `collection`.
    public static func alias(_ alias: String, collection: String) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(3, collection)
        w.string(4, alias)
        return w.bytes
    }

    /// `DescribeAliasRequest` / `DropAliasRequest`: `alias` (3).
    public static func aliasName(_ alias: String) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(3, alias)
        return w.bytes
    }

    /// `SearchRequest` for the best `limit` rows of `collection` by inner product of `field`
    /// with `query`; `params` is the index's search parameters as JSON (e.g. `{"ef":128}`).
    public static func search(collection: String, field: String, query: [Float], limit: Int, params: String) -> [UInt8] {
        // PlaceholderGroup { placeholders 1: PlaceholderValue { tag 1, type 2 (FloatVector 101), values 3 } }
        var vector: [UInt8] = []
        ProtobufWriter.appendFloats(query, to: &vector)
        var group = ProtobufWriter()
        group.message(1) { p in p.string(1, "$0"); p.int64(2, 101); p.bytes(3, vector) }
        var w = ProtobufWriter()
        w.string(3, collection)
        w.bytes(6, group.bytes)
        w.int64(7, 1)  // DslType.BoolExprV1 (an empty filter)
        w.keyValue(9, "anns_field", field)
        w.keyValue(9, "topk", String(limit))
        w.keyValue(9, "metric_type", "IP")
        w.keyValue(9, "params", params)
        w.keyValue(9, "round_decimal", "-1")
        w.int64(12, 1)
        w.bool(15, true)  // use_default_consistency: the collection's (Bounded)
        return w.bytes
    }

    /// `QueryRequest` of the rows matching `expr` (empty: all), returning `outputFields`
    /// (`count(*)` counts them), at Strong consistency (the proto's default level), or at the
    /// collection's (Bounded: what searches see) with `collectionConsistency`.
    public static func query(collection: String, expr: String, outputFields: [String], collectionConsistency: Bool = false) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(3, collection)
        w.string(4, expr)
        for f in outputFields { w.string(5, f) }
        if collectionConsistency { w.bool(12, true) }
        return w.bytes
    }

    /// A Milvus filter expression `id in ["a", "b"]` (strings JSON-escaped, which Milvus's
    /// string literals read back).
    public static func idInExpression(_ ids: [String]) -> String {
        "id in [" + ids.map(TextEscaping.jsonString).joined(separator: ", ") + "]"
    }
}

extension MilvusRequests {
    /// `GetLoadStateRequest`: `collection_name` is field 2 here.
    public static func loadState(_ collection: String) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(2, collection)
        return w.bytes
    }
}
