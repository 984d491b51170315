import Foundation
import Testing
import NumCore
import Serving
@testable import VectorDB

/// Against a live PostgreSQL + pgvector server, only when `ESANS_TEST_PG_DSN` names one
/// (scripts/vectordb-roundtrip.sh starts one and sets it); skipped otherwise.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ESANS_TEST_PG_DSN"] != nil))
struct PGVectorServerTests {
    let dsn = ProcessInfo.processInfo.environment["ESANS_TEST_PG_DSN"] ?? ""

    @Test(arguments: [(PGVectorIndexKind.flat, 4), (.flat, 0), (.hnsw, 3), (.ivfflat, 0)])
    func exportThenSearchGivesTheExactAnswer(kind: PGVectorIndexKind, partitions: Int) throws {
        let n = 300, d = 8
        let m = VectorDBFixtures.vectors(n, d, seed: 11)
        // Ids that need escaping in COPY.
        let ids = (0..<n).map { $0 % 50 == 0 ? "id\t\($0)\\" : "item\($0)" }
        let primary = (0..<n).map { Int32($0 % 7) }, secondary = (0..<n).map { Int32($0 % 3) }
        let table = "esans_test_\(kind.rawValue)_\(partitions)"
        let schema = PGVectorSchema(table: table, dimension: d, index: kind, partitions: partitions, hasCodes: true, ivfLists: 4)
        let info = PGVectorTableInfo(items: n, dimension: d, dataFingerprint: "fp", run: "test", index: kind, partitions: schema.partitions)
        let db = try PostgresConnection(dsn: dsn)
        // Twice: the second export replaces the first (names of partitions and indexes freed).
        for _ in 0..<2 {
            let t = try PGVectorExport.run(.init(ids: ids, vectors: m, primary: primary, secondary: secondary), schema: schema,
                                           info: info, connection: db, batchRows: 70)
            #expect(t.rows == n)
        }
        #expect(try db.query("SELECT count(*) FROM \"\(table)\"").first?.first == "\(n)")
        #expect(try db.query("SELECT primary_code, secondary_code FROM \"\(table)\" WHERE id = $1", [ids[50]]).first == ["1", "2"])
        let index = try PGVectorIndex(pool: PostgresPool(dsn: dsn), table: table, efSearch: 200, probes: 4,
                                      itemIndex: { ids.firstIndex(of: $0) })
        #expect(index.info == info)
        try VectorDBFixtures.expectExactAnswers(of: index, items: m)
        try db.execute("DROP TABLE \"\(table)\"")
    }

    @Test func aFailedExportLeavesTheOldTable() throws {
        let n = 20, d = 4, table = "esans_test_rollback"
        let m = VectorDBFixtures.vectors(n, d, seed: 5)
        let ids = (0..<n).map { "i\($0)" }
        let schema = PGVectorSchema(table: table, dimension: d, index: .flat, partitions: 0, hasCodes: false, ivfLists: 1)
        let info = PGVectorTableInfo(items: n, dimension: d, dataFingerprint: "fp", run: "test", index: .flat, partitions: 0)
        let db = try PostgresConnection(dsn: dsn)
        _ = try PGVectorExport.run(.init(ids: ids, vectors: m), schema: schema, info: info, connection: db)
        // A duplicate id breaks the primary key: the COPY fails, the first table stays whole.
        var dup = ids
        dup[5] = "i4"
        #expect(throws: VectorDBError.self) {
            _ = try PGVectorExport.run(.init(ids: dup, vectors: m), schema: schema, info: info, connection: db)
        }
        #expect(try db.query("SELECT count(*) FROM \"\(table)\" WHERE id = 'i5'").first?.first == "1")
        #expect(try db.query("SELECT to_regclass('\(table)_esans_new') IS NULL").first?.first == "t")
        try db.execute("DROP TABLE \"\(table)\"")
        #expect(throws: VectorDBError.self) { try PGVectorIndex(pool: PostgresPool(dsn: dsn), table: table, efSearch: 10, probes: 1, itemIndex: { _ in 0 }) }
    }
}
