import Foundation
import NumCore

/// Loads a run's item vectors (and semantic IDs) into a PostgreSQL + pgvector table.
///
/// The whole load is one transaction: create a staging table (hash-partitioned by primary
/// code when asked), `COPY` the rows in batches, build the indexes, drop the old table and
/// rename the staging one in its place, record a ``PGVectorTableInfo`` in its comment,
/// `ANALYZE`, commit. Readers see the old table until the commit and the complete new one
/// after it; a failure at any step rolls everything back and leaves the old table as it was.
public enum PGVectorExport {
    /// The rows to load (shared with the Milvus export).
    public typealias Rows = ExportRows

    /// How long each step took.
    public struct Timing: Sendable {
        /// Rows loaded.
        public var rows = 0
        /// Seconds in COPY, in index builds, in all (connecting excluded).
        public var copySeconds = 0.0, indexSeconds = 0.0, totalSeconds = 0.0
    }

    /// Rows sent per `PQputCopyData` call by default.
    public static let defaultBatchRows = 5000

    /// Loads `rows` into `schema.table` over `connection`, replacing any table of that name.
    /// `progress` is told the rows sent so far after each batch.
    /// - Throws: ``VectorDBError`` from the server (the transaction is then rolled back).
    public static func run(_ rows: Rows, schema: PGVectorSchema, info: PGVectorTableInfo, connection db: PostgresConnection,
                           batchRows: Int = defaultBatchRows, progress: ((Int) -> Void)? = nil) throws -> Timing {
        precondition(schema.dimension == rows.vectors.cols, "schema dimension \(schema.dimension), vectors \(rows.vectors.cols)")
        precondition(schema.hasCodes == (rows.primary != nil && rows.secondary != nil), "schema and rows disagree on codes")
        let clock = ContinuousClock(), t0 = clock.now
        var timing = Timing()
        // Notices ("ivfflat index created with little data") are not for the user of this command.
        try db.execute("SET client_min_messages = warning")
        try db.execute("CREATE EXTENSION IF NOT EXISTS vector")
        try db.execute("BEGIN")
        do {
            for sql in schema.createStatements() { try db.execute(sql) }
            let tc = clock.now
            try db.copyIn(schema.copyStatement) { send in
                var start = 0
                let n = rows.ids.count, d = rows.vectors.cols, step = max(1, batchRows)
                while start < n {
                    let end = min(n, start + step)
                    var chunk = ""
                    chunk.reserveCapacity((end - start) * (d * 12 + 32))
                    for i in start..<end {
                        PGVectorCopy.appendRow(id: rows.ids[i], vector: UnsafeBufferPointer(start: rows.vectors.row(i), count: d),
                                               primary: rows.primary?[i], secondary: rows.secondary?[i], to: &chunk)
                    }
                    try send(Data(chunk.utf8))
                    start = end
                    progress?(end)
                }
            }
            timing.rows = rows.ids.count
            timing.copySeconds = ExportedVectors.seconds(clock.now - tc)
            let ti = clock.now
            for sql in schema.indexStatements() { try db.execute(sql) }
            timing.indexSeconds = ExportedVectors.seconds(clock.now - ti)
            for sql in schema.swapStatements(comment: info.json()) { try db.execute(sql) }
            try db.execute("ANALYZE \(PGVectorSchema.quote(schema.table))")
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
        timing.totalSeconds = ExportedVectors.seconds(clock.now - t0)
        return timing
    }
}
