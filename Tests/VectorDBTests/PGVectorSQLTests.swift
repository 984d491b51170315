import Foundation
import Testing
@testable import VectorDB

@Suite struct PGVectorSQLTests {
    @Test func tableNamesAreCheckedAndQuoted() {
        #expect(PGVectorSchema.validateName("esans_items") == nil)
        #expect(PGVectorSchema.validateName("_t2") == nil)
        for bad in ["", "2t", "Items", "a-b", "a b", "x\"y", String(repeating: "a", count: 41)] {
            #expect(PGVectorSchema.validateName(bad) != nil, "\(bad)")
        }
        #expect(PGVectorSchema.quote("a\"b") == "\"a\"\"b\"")
        #expect(PGVectorSchema.literal("it's") == "'it''s'")
    }

    @Test func aPartitionedHNSWTableIsCreatedIndexedAndSwappedByName() {
        let s = PGVectorSchema(table: "items", dimension: 4, index: .hnsw, partitions: 3, hasCodes: true, ivfLists: 10)
        #expect(s.createStatements() == [
            "CREATE TABLE \"items_esans_new\" (id text NOT NULL, vec vector(4) NOT NULL, primary_code integer NOT NULL, secondary_code integer NOT NULL, CONSTRAINT \"items_esans_new_pkey\" PRIMARY KEY (id, primary_code)) PARTITION BY HASH (primary_code)",
            "CREATE TABLE \"items_esans_new_p0\" PARTITION OF \"items_esans_new\" FOR VALUES WITH (MODULUS 3, REMAINDER 0)",
            "CREATE TABLE \"items_esans_new_p1\" PARTITION OF \"items_esans_new\" FOR VALUES WITH (MODULUS 3, REMAINDER 1)",
            "CREATE TABLE \"items_esans_new_p2\" PARTITION OF \"items_esans_new\" FOR VALUES WITH (MODULUS 3, REMAINDER 2)",
        ])
        #expect(s.indexStatements() == [
            "CREATE INDEX \"items_esans_new_vec\" ON \"items_esans_new\" USING hnsw (vec vector_ip_ops) WITH (m = 16, ef_construction = 64)",
            "CREATE INDEX \"items_esans_new_primary\" ON \"items_esans_new\" (primary_code)",
        ])
        let swap = s.swapStatements(comment: "{\"a\":\"it's\"}")
        #expect(swap.first == "DROP TABLE IF EXISTS \"items\"")
        #expect(swap.contains("ALTER TABLE \"items_esans_new\" RENAME TO \"items\""))
        #expect(swap.contains("ALTER TABLE \"items_esans_new_p2\" RENAME TO \"items_p2\""))
        #expect(swap.contains("ALTER INDEX \"items_esans_new_vec\" RENAME TO \"items_vec\""))
        #expect(swap.contains("ALTER INDEX \"items_esans_new_pkey\" RENAME TO \"items_pkey\""))
        #expect(swap.last == "COMMENT ON TABLE \"items\" IS '{\"a\":\"it''s\"}'")
        // The old table goes before the new one takes its name.
        #expect(swap.firstIndex(of: "DROP TABLE IF EXISTS \"items\"")! < swap.firstIndex(of: "ALTER TABLE \"items_esans_new\" RENAME TO \"items\"")!)
    }

    @Test func withoutCodesTheTableIsPlainAndFlatHasNoVectorIndex() {
        let s = PGVectorSchema(table: "t", dimension: 8, index: .flat, partitions: 16, hasCodes: false, ivfLists: 0)
        #expect(s.partitions == 0 && s.ivfLists == 1)
        #expect(s.createStatements() == [
            "CREATE TABLE \"t_esans_new\" (id text NOT NULL, vec vector(8) NOT NULL, primary_code integer, secondary_code integer, CONSTRAINT \"t_esans_new_pkey\" PRIMARY KEY (id))",
        ])
        #expect(s.indexStatements().isEmpty)
        #expect(!s.swapStatements(comment: "").contains { $0.contains("_vec") || $0.contains("_primary") })
        let ivf = PGVectorSchema(table: "t", dimension: 8, index: .ivfflat, partitions: 0, hasCodes: true, ivfLists: 41)
        #expect(ivf.indexStatements().first == "CREATE INDEX \"t_esans_new_vec\" ON \"t_esans_new\" USING ivfflat (vec vector_ip_ops) WITH (lists = 41)")
        #expect(PGVectorSchema.defaultIVFLists(rows: 1682, partitions: 0) == 41)
        #expect(PGVectorSchema.defaultIVFLists(rows: 40981, partitions: 16) == 51)
        #expect(PGVectorSchema.defaultIVFLists(rows: 0, partitions: 4) == 1)
    }

    @Test func theSearchOrdersByInnerProductDistance() {
        #expect(PGVectorSchema.searchSQL(table: "t") == "SELECT id, vec <#> $1::vector AS distance FROM \"t\" ORDER BY vec <#> $1::vector LIMIT $2::integer")
        #expect(PGVectorSchema(table: "t", dimension: 2, index: .flat, partitions: 0, hasCodes: true, ivfLists: 1).copyStatement
                == "COPY \"t_esans_new\" (id, vec, primary_code, secondary_code) FROM STDIN")
    }
}
