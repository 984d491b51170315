import Foundation
import Testing
import NumCore
import Serving
@testable import VectorDB

/// Against a live Milvus server (or milvus-lite), only when `ESANS_TEST_MILVUS_ADDRESS` names
/// one (scripts/milvus-roundtrip.sh starts milvus-lite and sets it); skipped otherwise.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["ESANS_TEST_MILVUS_ADDRESS"] != nil))
struct MilvusServerTests {
    let address = ProcessInfo.processInfo.environment["ESANS_TEST_MILVUS_ADDRESS"] ?? ""

    @Test(arguments: [(MilvusIndexKind.flat, 4), (.flat, 0), (.hnsw, 3), (.ivfFlat, 0)])
    func exportThenSearchGivesTheExactAnswer(kind: MilvusIndexKind, partitions: Int) throws {
        let n = 300, d = 8
        let m = VectorDBFixtures.vectors(n, d, seed: 11)
        // Ids that need quoting in a filter expression.
        let ids = (0..<n).map { $0 % 50 == 0 ? "id \"\($0)\"\\" : "item\($0)" }
        let primary = (0..<n).map { Int32($0 % 7) }, secondary = (0..<n).map { Int32($0 % 3) }
        let name = "esans_test_\(kind.rawValue.replacingOccurrences(of: "-", with: "_"))_\(partitions)"
        // nlist 1: IVF_FLAT probes its only list, so it is exact too.
        let schema = MilvusSchema(name: name, dimension: d, index: kind, hasCodes: true, partitions: partitions, idMaxLength: 16, nlist: 1)
        let info = MilvusCollectionInfo(items: n, dataFingerprint: "fp", run: "test", schema: schema)
        let client = try MilvusClient(address: address)
        // Twice: the second export moves the alias and drops the first collection.
        var collections: [String] = []
        for round in 0..<2 {
            let t = try MilvusExport.run(.init(ids: ids, vectors: m, primary: primary, secondary: secondary), schema: schema,
                                         info: info, client: client, batchRows: 70, stamp: UInt64(1000 + round))
            #expect(t.rows == n && t.warning == nil)
            #expect(t.replaced == collections.last)
            collections.append(t.collection)
        }
        #expect(try !client.hasCollection(collections[0]))
        #expect(try MilvusExport.currentTarget(of: name, client: client) == collections[1])
        let index = try MilvusIndex(client: client, name: name, ef: 300, nprobe: 1, itemIndex: { ids.firstIndex(of: $0) })
        #expect(index.info == info && index.collection == collections[1])
        try VectorDBFixtures.expectExactAnswers(of: index, items: m)
        let stored = try client.vectors(collection: name, ids: [ids[0], ids[1]])
        #expect(stored[ids[0]] == m.rowArray(0) && stored[ids[1]] == m.rowArray(1))
        try client.dropAlias(name)
        #expect(try !client.hasCollection(name))
        try client.dropCollection(collections[1])
    }

    @Test func aFailedExportLeavesTheOldCollection() throws {
        let n = 20, d = 4, name = "esans_test_failed"
        let m = VectorDBFixtures.vectors(n, d, seed: 5)
        let ids = (0..<n).map { "i\($0)" }
        let schema = MilvusSchema(name: name, dimension: d, index: .flat, hasCodes: false, partitions: 0, idMaxLength: 4, nlist: 1)
        let info = MilvusCollectionInfo(items: n, dataFingerprint: "fp", run: "test", schema: schema)
        let client = try MilvusClient(address: address)
        let first = try MilvusExport.run(.init(ids: ids, vectors: m), schema: schema, info: info, client: client, stamp: 1)
        // An id longer than the VarChar's max_length: the Insert fails, the new collection goes.
        var long = ids
        long[5] = "much too long an id"
        #expect(throws: VectorDBError.self) {
            _ = try MilvusExport.run(.init(ids: long, vectors: m), schema: schema, info: info, client: client, stamp: 2)
        }
        #expect(try !client.hasCollection(schema.collectionName(stamp: 2)))
        #expect(try MilvusExport.currentTarget(of: name, client: client) == first.collection)
        #expect(try client.vectors(collection: name, ids: ["i5"])["i5"] == m.rowArray(5))
        try client.dropAlias(name)
        try client.dropCollection(first.collection)
        #expect(throws: VectorDBError.self) { try MilvusIndex(client: client, name: name, ef: 10, nprobe: 1, itemIndex: { _ in 0 }) }
    }

    @Test func aCollectionThatIsNotAnAliasIsNotReplaced() throws {
        let client = try MilvusClient(address: address)
        let schema = MilvusSchema(name: "esans_test_plain", dimension: 4, index: .flat, hasCodes: false, partitions: 0, idMaxLength: 4, nlist: 1)
        try client.callStatus("CreateCollection", MilvusRequests.createCollection(
            "esans_test_plain", schema: schema.collectionSchema(collection: "esans_test_plain"), properties: [], partitions: 0))
        defer { try? client.dropCollection("esans_test_plain") }
        #expect {
            try MilvusExport.currentTarget(of: "esans_test_plain", client: client)
        } throws: { ($0 as? VectorDBError)?.message.contains("not an alias") == true }
        // No esans property: refused by the index.
        #expect {
            try MilvusIndex(client: client, name: "esans_test_plain", ef: 10, nprobe: 1, itemIndex: { _ in 0 })
        } throws: { ($0 as? VectorDBError)?.message.contains(MilvusSchema.infoProperty) == true }
    }

    @Test func anUnreachableServerIsNamed() throws {
        let client = try MilvusClient(address: "127.0.0.1:1", timeoutSeconds: 5)
        #expect {
            try client.hasCollection("x")
        } throws: { ($0 as? VectorDBError)?.message.contains("cannot reach Milvus at 127.0.0.1:1") == true }
    }
}
