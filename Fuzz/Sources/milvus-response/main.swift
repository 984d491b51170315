// Fuzzes the decoding of Milvus's gRPC responses (bytes from a server): the protobuf reader
// and `MilvusResponses` (status, search hits, query vectors, a count, collection description,
// alias target). A damaged response may be refused only with a `VectorDBError`. The input is an
// option byte (which response), then the message.
import Foundation
import FuzzSupport
import VectorDB

let target = FuzzTarget(name: "milvus-response", seeds: seeds) { input in
    let option = input.byte()
    let bytes = input.rest()
    expectErrors("milvus response", allowed: { $0 is VectorDBError }) {
        let (status, fields) = try MilvusResponses.fields(bytes)
        _ = status.ok
        switch option % 6 {
        case 0:
            let hits = try MilvusResponses.searchHits(fields)
            require(hits.count * 4 <= bytes.count, "\(hits.count) hits from \(bytes.count) bytes")
        case 1:
            let vectors = try MilvusResponses.queryVectors(fields)
            let dims = Set(vectors.values.map(\.count))
            require(dims.count <= 1 && !dims.contains(0), "vectors of dimensions \(dims.sorted())")
        case 2:
            let d = try MilvusResponses.describeCollection(fields)
            // Invalid UTF-8 is replaced (U+FFFD, three bytes), so count characters, not bytes.
            require(d.name.unicodeScalars.count <= bytes.count, "a name longer than the response")
        case 3:
            _ = try MilvusStatus(bytes[...])
        case 4:
            _ = try MilvusResponses.count(fields)
        default:
            _ = MilvusResponses.aliasTarget(fields)
            _ = MilvusResponses.bool(fields)
        }
    }
    // Whatever the reader accepts as floats or integers is whole.
    expectErrors("packed values", allowed: { $0 is VectorDBError }) {
        var floats: [Float] = [], ints: [Int64] = []
        try ProtobufReader.appendFloats(.bytes(bytes[...]), to: &floats)
        require(floats.count * 4 == bytes.count, "\(floats.count) floats from \(bytes.count) bytes")
        try ProtobufReader.appendInt64s(.bytes(bytes[...]), to: &ints)
        require(ints.count <= bytes.count, "\(ints.count) varints from \(bytes.count) bytes")
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    var search = ProtobufWriter()
    search.message(1) { _ in }
    search.message(2) { r in
        r.int64(1, 1); r.int64(2, 2)
        r.packedFloats(4, [0.9, 0.25] as [Float])
        r.message(5) { $0.message(2) { $0.string(1, "item1"); $0.string(1, "item \"2\"") } }
        r.packedInt64s(6, [2] as [Int64])
    }
    var query = ProtobufWriter()
    query.message(1) { _ in }
    query.message(2) { c in c.int64(1, 21); c.string(2, "id"); c.message(3) { $0.message(6) { $0.string(1, "a"); $0.string(1, "b") } } }
    query.message(2) { c in
        c.int64(1, 101); c.string(2, "vec"); c.message(4) { $0.int64(1, 2); $0.message(2) { $0.packedFloats(1, [1, 0, 0, 1] as [Float]) } }
    }
    var describe = ProtobufWriter()
    describe.message(1) { _ in }
    describe.string(12, "items_esans_1")
    describe.keyValue(13, "esans.export", "{\"format\":\"esans-milvus/1\"}")
    var failed = ProtobufWriter()
    failed.int64(1, 1); failed.string(2, "collection not found"); failed.int64(3, 100)
    var alias = ProtobufWriter()
    alias.message(1) { _ in }
    alias.string(3, "items"); alias.string(4, "items_esans_1")
    var count = ProtobufWriter()
    count.message(1) { _ in }
    count.message(2) { c in c.int64(1, 5); c.string(2, "count(*)"); c.message(3) { $0.message(3) { $0.packedInt64s(1, [1615] as [Int64]) } } }
    return [("search", [0] + search.bytes), ("query", [1] + query.bytes), ("describe", [2] + describe.bytes),
            ("status", [3] + failed.bytes), ("count", [4] + count.bytes), ("alias", [5] + alias.bytes)]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
