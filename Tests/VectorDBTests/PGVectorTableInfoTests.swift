import Foundation
import Testing
@testable import VectorDB

@Suite struct PGVectorTableInfoTests {
    @Test func theCommentReadsBackAndChecksTheRun() throws {
        let info = PGVectorTableInfo(items: 1682, dimension: 64, dataFingerprint: "abc", run: "/tmp/run's", index: .hnsw,
                                     partitions: 16, kp: 32, ks: 8)
        let json = info.json()
        #expect(json.contains("\"format\":\"esans-pgvector/1\"") && json.contains("\"data_fingerprint\":\"abc\""))
        let back = try PGVectorTableInfo.parse(json, table: "t")
        #expect(back == info)
        #expect(back.mismatch(items: 1682, dimension: 64, dataFingerprint: "abc") == nil)
        #expect(back.mismatch(items: 1682, dimension: 32, dataFingerprint: "abc")?.contains("dimension 64") == true)
        #expect(back.mismatch(items: 10, dimension: 64, dataFingerprint: "abc")?.contains("1682 items") == true)
        #expect(back.mismatch(items: 1682, dimension: 64, dataFingerprint: "xyz")?.contains("other data") == true)
    }

    @Test func aTableWithoutAnEsansCommentIsRefused() {
        #expect(throws: VectorDBError.self) { try PGVectorTableInfo.parse(nil, table: "t") }
        #expect(throws: VectorDBError.self) { try PGVectorTableInfo.parse("", table: "t") }
        #expect(throws: VectorDBError.self) { try PGVectorTableInfo.parse("hand-made table", table: "t") }
        #expect(throws: VectorDBError.self) {
            try PGVectorTableInfo.parse(#"{"format":"other/2","items":1,"dimension":1,"data_fingerprint":"a","run":"r","index":"flat","partitions":0,"metric":"inner_product"}"#, table: "t")
        }
    }
}
