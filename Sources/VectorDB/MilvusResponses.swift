/// A Milvus `common.Status`: success when both the old `error_code` and the newer `code` are 0.
public struct MilvusStatus: Sendable, Equatable {
    /// `error_code` (1, deprecated `ErrorCode`) and `code` (3).
    public var errorCode: Int64 = 0, code: Int64 = 0
    /// `reason` (2).
    public var reason = ""

    /// Whether the operation succeeded.
    public var ok: Bool { errorCode == 0 && code == 0 }

    /// Decodes a serialised `common.Status`.
    public init(_ bytes: ArraySlice<UInt8>) throws {
        var r = ProtobufReader(bytes)
        while let (field, value) = try r.next() {
            switch field {
            case 1: errorCode = value.int64
            case 2: reason = value.string
            case 3: code = value.int64
            default: break
            }
        }
    }

    /// A success.
    public init() {}
}

/// Decoders of the Milvus responses esans reads. Each checks the response's status first.
public enum MilvusResponses {
    /// A response whose field `statusField` is a `common.Status` (1 in most responses; a bare
    /// `Status` response is read with ``MilvusStatus/init(_:)``), with its other fields.
    public static func fields(_ bytes: [UInt8]) throws -> (status: MilvusStatus, fields: [(Int, ProtobufReader.Value)]) {
        var r = ProtobufReader(bytes)
        var status = MilvusStatus()
        var out: [(Int, ProtobufReader.Value)] = []
        while let (field, value) = try r.next() {
            if field == 1 { status = try MilvusStatus(value.payload) } else { out.append((field, value)) }
        }
        return (status, out)
    }

    /// `BoolResponse.value` (2).
    public static func bool(_ fields: [(Int, ProtobufReader.Value)]) -> Bool {
        fields.last { $0.0 == 2 }.map { $0.1.int64 != 0 } ?? false
    }

    /// From a `DescribeCollectionResponse`: `collection_name` (12, the collection an alias
    /// resolves to) and `properties` (13).
    public static func describeCollection(_ fields: [(Int, ProtobufReader.Value)]) throws -> (name: String, properties: [String: String]) {
        var name = ""
        var properties: [String: String] = [:]
        for (f, v) in fields {
            if f == 12 { name = v.string }
            if f == 13 {
                let (k, value) = try keyValue(v.payload)
                properties[k] = value
            }
        }
        return (name, properties)
    }

    /// `DescribeAliasResponse.collection` (4).
    public static func aliasTarget(_ fields: [(Int, ProtobufReader.Value)]) -> String {
        fields.last { $0.0 == 4 }?.1.string ?? ""
    }

    /// The hits of a one-query `SearchResults` (`results` 2: `SearchResultData` with `scores`
    /// 4 and `ids` 5 as `str_id` 2), best first.
    public static func searchHits(_ fields: [(Int, ProtobufReader.Value)]) throws -> [(id: String, score: Float)] {
        var ids: [String] = []
        var scores: [Float] = []
        for (f, v) in fields where f == 2 {
            var data = ProtobufReader(v.payload)
            while let (g, w) = try data.next() {
                if g == 4 { try ProtobufReader.appendFloats(w, to: &scores) }
                if g == 5 {
                    var idsMessage = ProtobufReader(w.payload)
                    while let (h, x) = try idsMessage.next() {
                        guard h == 2 else {
                            throw VectorDBError("Milvus answered integer ids; the collection was not written by esans")
                        }
                        ids.append(contentsOf: try strings(x.payload))
                    }
                }
            }
        }
        guard ids.count == scores.count else {
            throw VectorDBError("Milvus answered \(ids.count) ids with \(scores.count) scores")
        }
        return zip(ids, scores).map { ($0, $1) }
    }

    /// The `id` and `vec` columns of `QueryResults.fields_data` (2), as a map from id to vector.
    public static func queryVectors(_ fields: [(Int, ProtobufReader.Value)]) throws -> [String: [Float]] {
        var ids: [String] = []
        var flat: [Float] = []
        var dimension = 0
        for (f, v) in fields where f == 2 {
            var column = ProtobufReader(v.payload)
            var name = ""
            var scalars: ArraySlice<UInt8>? = nil, vectors: ArraySlice<UInt8>? = nil
            while let (g, w) = try column.next() {
                switch g {
                case 2: name = w.string
                case 3: scalars = w.payload
                case 4: vectors = w.payload
                default: break
                }
            }
            if name == "id", let scalars {
                var s = ProtobufReader(scalars)
                while let (g, w) = try s.next() { if g == 6 { ids = try strings(w.payload) } }
            }
            if name == "vec", let vectors {
                var s = ProtobufReader(vectors)
                while let (g, w) = try s.next() {
                    if g == 1 { dimension = Int(w.int64) }
                    if g == 2 {
                        var floats = ProtobufReader(w.payload)
                        while let (h, x) = try floats.next() { if h == 1 { try ProtobufReader.appendFloats(x, to: &flat) } }
                    }
                }
            }
        }
        guard dimension > 0, flat.count == ids.count * dimension else {
            throw VectorDBError("Milvus answered \(ids.count) ids with \(flat.count) vector values of dimension \(dimension)")
        }
        var out: [String: [Float]] = [:]
        for (i, id) in ids.enumerated() { out[id] = Array(flat[(i * dimension)..<((i + 1) * dimension)]) }
        return out
    }

    /// The `count(*)` column of `QueryResults.fields_data` (2): its Int64 `long_data`.
    public static func count(_ fields: [(Int, ProtobufReader.Value)]) throws -> Int64 {
        for (f, v) in fields where f == 2 {
            var column = ProtobufReader(v.payload)
            var name = "", values: [Int64] = []
            while let (g, w) = try column.next() {
                if g == 2 { name = w.string }
                if g == 3 {
                    var scalars = ProtobufReader(w.payload)
                    while let (h, x) = try scalars.next() {
                        guard h == 3 else { continue }
                        var longs = ProtobufReader(x.payload)
                        while let (i, y) = try longs.next() { if i == 1 { try ProtobufReader.appendInt64s(y, to: &values) } }
                    }
                }
            }
            if name == "count(*)", let n = values.first { return n }
        }
        throw VectorDBError("Milvus answered a count query without a count(*) column")
    }

    /// The `data` (1) of a `StringArray`.
    static func strings(_ payload: ArraySlice<UInt8>) throws -> [String] {
        var r = ProtobufReader(payload)
        var out: [String] = []
        while let (f, v) = try r.next() { if f == 1 { out.append(v.string) } }
        return out
    }

    /// A `KeyValuePair`'s key (1) and value (2).
    static func keyValue(_ payload: ArraySlice<UInt8>) throws -> (String, String) {
        var r = ProtobufReader(payload)
        var k = "", v = ""
        while let (f, x) = try r.next() {
            if f == 1 { k = x.string }
            if f == 2 { v = x.string }
        }
        return (k, v)
    }
}
