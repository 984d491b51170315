import Foundation
import Testing
@testable import VectorDB

/// The Milvus requests esans writes and the responses it reads, field by field (numbers from
/// milvus-proto), without a server.
@Suite struct MilvusMessagesTests {
    /// The fields of `bytes` as (number, value) pairs.
    static func fields(_ bytes: [UInt8]) throws -> [(Int, ProtobufReader.Value)] {
        var r = ProtobufReader(bytes)
        var out: [(Int, ProtobufReader.Value)] = []
        while let f = try r.next() { out.append(f) }
        return out
    }

    /// The key-value pairs of repeated field `field`.
    static func pairs(_ fields: [(Int, ProtobufReader.Value)], _ field: Int) throws -> [String: String] {
        var out: [String: String] = [:]
        for (f, v) in fields where f == field {
            let (k, value) = try MilvusResponses.keyValue(v.payload)
            out[k] = value
        }
        return out
    }

    @Test func theSearchRequestCarriesTheQueryAndItsParameters() throws {
        let bytes = MilvusRequests.search(collection: "items", field: "vec", query: [1, 0.5], limit: 7, params: "{\"ef\":64}")
        let f = try Self.fields(bytes)
        #expect(f.first { $0.0 == 3 }?.1.string == "items")
        #expect(f.first { $0.0 == 7 }?.1.int64 == 1)
        #expect(f.first { $0.0 == 12 }?.1.int64 == 1)
        let params = try Self.pairs(f, 9)
        #expect(params == ["anns_field": "vec", "topk": "7", "metric_type": "IP", "params": "{\"ef\":64}", "round_decimal": "-1"])
        // PlaceholderGroup -> PlaceholderValue { tag "$0", type 101, values [little-endian floats] }
        let group = try Self.fields(Array(try #require(f.first { $0.0 == 6 }).1.payload))
        let value = try Self.fields(Array(group[0].1.payload))
        #expect(value[0].1.string == "$0" && value[1].1.int64 == 101)
        #expect(Array(value[2].1.payload) == [0, 0, 0x80, 0x3f, 0, 0, 0, 0x3f])
    }

    @Test func theInsertRequestHasOneColumnPerField() throws {
        let vectors: [Float] = [1, 2, 3, 4, 5, 6]
        let bytes = vectors.withUnsafeBufferPointer {
            MilvusRequests.insert(collection: "c", ids: ["a", "b", "c"], vectors: $0, dimension: 2,
                                  primary: [7, 8, 9], secondary: [0, 1, 2], range: 1..<3)
        }
        let f = try Self.fields(bytes)
        #expect(f.last?.0 == 7 && f.last?.1.int64 == 2)
        let columns = try f.filter { $0.0 == 5 }.map { try Self.fields(Array($0.1.payload)) }
        #expect(columns.map { $0.first { $0.0 == 2 }?.1.string } == ["id", "vec", "primary_code", "secondary_code"])
        #expect(columns.map { $0.first { $0.0 == 1 }?.1.int64 } == [21, 101, 5, 5])
        // id: ScalarField.string_data (6) -> StringArray.data (1)
        let idScalars = try Self.fields(Array(columns[0].first { $0.0 == 3 }!.1.payload))
        #expect(try MilvusResponses.strings(idScalars[0].1.payload) == ["b", "c"])
        // vec: VectorField { dim 1, float_vector 2 { data 1 } }
        let vec = try Self.fields(Array(columns[1].first { $0.0 == 4 }!.1.payload))
        #expect(vec[0].1.int64 == 2)
        var floats: [Float] = []
        try ProtobufReader.appendFloats(try Self.fields(Array(vec[1].1.payload))[0].1, to: &floats)
        #expect(floats == [3, 4, 5, 6])
        // primary_code: ScalarField.long_data (3) -> LongArray.data (1)
        let codes = try Self.fields(Array(try Self.fields(Array(columns[2].first { $0.0 == 3 }!.1.payload))[0].1.payload))
        var ints: [Int64] = []
        try ProtobufReader.appendInt64s(codes[0].1, to: &ints)
        #expect(ints == [8, 9])
    }

    @Test func theSchemaMarksThePrimaryKeyAndThePartitionKey() throws {
        let schema = MilvusSchema(name: "items", dimension: 16, index: .hnsw, hasCodes: true, partitions: 8, idMaxLength: 40, nlist: 4)
        let f = try Self.fields(schema.collectionSchema(collection: "items_esans_1"))
        #expect(f[0].1.string == "items_esans_1")
        let fieldSchemas = try f.filter { $0.0 == 4 }.map { try Self.fields(Array($0.1.payload)) }
        #expect(fieldSchemas.count == 4)
        let id = fieldSchemas[0]
        #expect(id.first { $0.0 == 3 }?.1.int64 == 1)
        #expect(try Self.pairs(id, 6) == ["max_length": "40"])
        #expect(try Self.pairs(fieldSchemas[1], 6) == ["dim": "16"])
        #expect(fieldSchemas[2].first { $0.0 == 13 }?.1.int64 == 1)
        #expect(fieldSchemas[3].first { $0.0 == 13 } == nil)
        let plain = MilvusSchema(name: "items", dimension: 16, index: .flat, hasCodes: false, partitions: 8, idMaxLength: 40, nlist: 4)
        #expect(plain.partitions == 0)
        #expect(try Self.fields(plain.collectionSchema(collection: "x")).filter { $0.0 == 4 }.count == 2)
    }

    @Test func indexAndSearchParameters() {
        let hnsw = MilvusSchema(name: "n", dimension: 4, index: .hnsw, hasCodes: false, partitions: 0, idMaxLength: 8, nlist: 10)
        #expect(hnsw.indexParams().map { "\($0)=\($1)" } == ["index_type=HNSW", "metric_type=IP", "params={\"M\":16,\"efConstruction\":64}"])
        #expect(hnsw.searchParams(limit: 150, ef: 100, nprobe: 3) == "{\"ef\":150}")
        let ivf = MilvusSchema(name: "n", dimension: 4, index: .ivfFlat, hasCodes: false, partitions: 0, idMaxLength: 8, nlist: 10)
        #expect(ivf.indexParams()[2].1 == "{\"nlist\":10}" && ivf.indexParams()[0].1 == "IVF_FLAT")
        #expect(ivf.searchParams(limit: 10, ef: 1, nprobe: 64) == "{\"nprobe\":10}")
        let flat = MilvusSchema(name: "n", dimension: 4, index: .flat, hasCodes: false, partitions: 0, idMaxLength: 8, nlist: 10)
        #expect(flat.indexParams()[0].1 == "FLAT" && flat.searchParams(limit: 5, ef: 1, nprobe: 1) == "{}")
        #expect(MilvusSchema.defaultNList(rows: 1600, partitions: 16) == 10 && MilvusSchema.defaultNList(rows: 0, partitions: 0) == 1)
        #expect(hnsw.collectionName(stamp: 42) == "n_esans_42")
    }

    @Test func namesAndFilterExpressions() {
        #expect(MilvusSchema.validateName("esans_Items2") == nil)
        #expect(MilvusSchema.validateName("2items") != nil && MilvusSchema.validateName("a-b") != nil && MilvusSchema.validateName("") != nil)
        #expect(MilvusSchema.validateName(String(repeating: "a", count: 201)) != nil)
        #expect(MilvusRequests.idInExpression(["a", "q\"uote", "back\\slash"]) == #"id in ["a", "q\"uote", "back\\slash"]"#)
    }

    @Test func responsesAreReadWithTheirStatus() throws {
        // SearchResults { status {}, results { scores [0.9, 0.5], ids { str_id { "x", "y" } }, topks [2] } }
        var results = ProtobufWriter()
        results.int64(1, 1)
        results.packedFloats(4, [0.9, 0.5] as [Float])
        results.message(5) { $0.message(2) { $0.string(1, "x"); $0.string(1, "y") } }
        results.packedInt64s(6, [2] as [Int64])
        var response = ProtobufWriter()
        response.message(1) { _ in }
        response.message(2, results)
        let (status, fields) = try MilvusResponses.fields(response.bytes)
        #expect(status.ok)
        let hits = try MilvusResponses.searchHits(fields)
        #expect(hits.map(\.id) == ["x", "y"] && hits.map(\.score) == [0.9, 0.5])
        // A failure: the old error_code, the new code, or both.
        var failed = ProtobufWriter()
        failed.message(1) { $0.int64(1, 1); $0.string(2, "collection not found"); $0.int64(3, 100) }
        let (bad, _) = try MilvusResponses.fields(failed.bytes)
        #expect(!bad.ok && bad.reason == "collection not found")
        var codeOnly = ProtobufWriter()
        codeOnly.int64(3, 65535)
        #expect(!(try MilvusStatus(codeOnly.bytes[...])).ok)
        // Integer ids are not esans's.
        var intIDs = ProtobufWriter()
        intIDs.message(2) { $0.packedFloats(4, [1] as [Float]); $0.message(5) { $0.message(1) { $0.packedInt64s(1, [3] as [Int64]) } } }
        #expect(throws: VectorDBError.self) { try MilvusResponses.searchHits(MilvusResponses.fields(intIDs.bytes).fields) }
    }

    @Test func queryResultsBecomeVectorsById() throws {
        var response = ProtobufWriter()
        response.message(2) { c in
            c.int64(1, 21); c.string(2, "id"); c.message(3) { $0.message(6) { $0.string(1, "a"); $0.string(1, "b") } }
        }
        response.message(2) { c in
            c.int64(1, 101); c.string(2, "vec"); c.message(4) { $0.int64(1, 2); $0.message(2) { $0.packedFloats(1, [1, 2, 3, 4] as [Float]) } }
        }
        let vectors = try MilvusResponses.queryVectors(MilvusResponses.fields(response.bytes).fields)
        #expect(vectors == ["a": [1, 2], "b": [3, 4]])
        var count = ProtobufWriter()
        count.message(2) { c in c.int64(1, 5); c.string(2, "count(*)"); c.message(3) { $0.message(3) { $0.packedInt64s(1, [1615] as [Int64]) } } }
        #expect(try MilvusResponses.count(MilvusResponses.fields(count.bytes).fields) == 1615)
        #expect(throws: VectorDBError.self) { try MilvusResponses.count(MilvusResponses.fields(response.bytes).fields) }
        // Strong consistency is the proto's default (nothing written); the collection's is asked for.
        let strong = try Self.fields(MilvusRequests.query(collection: "c", expr: "", outputFields: ["count(*)"]))
        #expect(!strong.contains { $0.0 == 12 })
        let bounded = try Self.fields(MilvusRequests.query(collection: "c", expr: "", outputFields: ["count(*)"], collectionConsistency: true))
        #expect(bounded.first { $0.0 == 12 }?.1.int64 == 1)
        var describe = ProtobufWriter()
        describe.string(12, "items_esans_5")
        describe.keyValue(13, MilvusSchema.infoProperty, "{}")
        let d = try MilvusResponses.describeCollection(MilvusResponses.fields(describe.bytes).fields)
        #expect(d.name == "items_esans_5" && d.properties == [MilvusSchema.infoProperty: "{}"])
    }

    @Test func theInfoPropertyReadsBackAndChecksTheRun() throws {
        let schema = MilvusSchema(name: "n", dimension: 64, index: .ivfFlat, hasCodes: true, partitions: 16, idMaxLength: 8, nlist: 12)
        let info = MilvusCollectionInfo(items: 1682, dataFingerprint: "abc", run: "/tmp/run", schema: schema, kp: 32, ks: 8)
        let json = info.json()
        #expect(json.contains("\"format\":\"esans-milvus/1\"") && json.contains("\"index\":\"ivf-flat\"") && json.contains("\"nlist\":12"))
        let back = try MilvusCollectionInfo.parse(json, collection: "c")
        #expect(back == info)
        #expect(back.mismatch(items: 1682, dimension: 64, dataFingerprint: "abc") == nil)
        #expect(back.mismatch(items: 1682, dimension: 8, dataFingerprint: "abc")?.contains("dimension 64") == true)
        #expect(back.mismatch(items: 1682, dimension: 64, dataFingerprint: "x")?.contains("other data") == true)
        #expect(throws: VectorDBError.self) { try MilvusCollectionInfo.parse(nil, collection: "c") }
        #expect(throws: VectorDBError.self) { try MilvusCollectionInfo.parse("{\"format\":\"esans-pgvector/1\"}", collection: "c") }
    }
}
