import ArgumentParser
import Runs
import Foundation
import NumCore
import Models
import Serving
import Training
import Codebooks
import VectorDB

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's user and item vectors as .npy (+ id TSVs) or one safetensors file, or its item vectors into PostgreSQL + pgvector, with item semantic IDs when available.",
        discussion: """
        Semantic IDs come from --msac DIR (an `esans cluster` output on the same data), or else from the \
        semantic_ids.tsv the run trained with (ESANS). They are written as item_semantic_ids.tsv and \
        item_{primary,secondary}_codes.npy, and as tensors item_primary_codes / item_secondary_codes in \
        the safetensors file.

        --to pgvector loads the item vectors into the table --table (id text, vec vector(d), primary_code, \
        secondary_code) on the server of --dsn (a libpq connection string; empty: the PG* variables), in one \
        transaction that replaces any previous table of that name, with a --index on inner product \
        (flat: none, an exact scan). With semantic IDs the table is hash-partitioned by primary_code \
        (--partitions). Needs the libpq library at run time (Debian: libpq5; or ESANS_LIBPQ=FILE). \
        `esans serve --backend pgvector` answers from it.
        """)

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "npy or safetensors.") var format = "npy"
    @Option(help: "Output directory (default: RUN/embeddings).") var output: String?
    @Option(help: "MSAC directory (semantic_ids.tsv, msac.safetensors) whose item semantic IDs to export.") var msac: String?
    @Option(help: "Where to: files (--format into --output) or pgvector (a PostgreSQL table).") var to = "files"
    @Option(help: "pgvector: libpq connection string, e.g. postgresql://user@127.0.0.1:5432/db (empty: the PG* variables).") var dsn = ""
    @Option(help: "pgvector: table to write (replaced atomically if it exists).") var table = "esans_items"
    @Option(help: "pgvector: vector index on inner product: flat (none, exact scan), hnsw or ivfflat.") var index = "hnsw"
    @Option(help: "pgvector: hash partitions by primary code when the items have semantic IDs (0: one plain table).") var partitions = 16
    @Option(help: "pgvector: ivfflat lists per partition (default: square root of the rows per partition).") var ivfLists: Int?
    @Option(help: "pgvector: rows sent per COPY batch.") var batchRows = PGVectorExport.defaultBatchRows

    func validate() throws {
        guard format == "npy" || format == "safetensors" else {
            throw ValidationError("--format must be npy or safetensors, not '\(format)'")
        }
        guard to == "files" || to == "pgvector" else {
            throw ValidationError("--to must be files or pgvector, not '\(to)' (Milvus is not supported yet)")
        }
        guard to == "pgvector" else {
            if !dsn.isEmpty { throw ValidationError("--dsn goes with --to pgvector") }
            return
        }
        if output != nil { throw ValidationError("--output goes with --to files; --to pgvector writes --table") }
        if let why = PGVectorSchema.validateName(table) { throw ValidationError("--table: \(why)") }
        guard PGVectorIndexKind(rawValue: index) != nil else {
            throw ValidationError("--index must be flat, hnsw or ivfflat, not '\(index)'")
        }
        guard (0...1024).contains(partitions) else { throw ValidationError("--partitions must be in 0...1024, got \(partitions)") }
        if let ivfLists, ivfLists < 1 { throw ValidationError("--ivf-lists must be at least 1, got \(ivfLists)") }
        guard batchRows >= 1 else { throw ValidationError("--batch-rows must be at least 1, got \(batchRows)") }
    }

    func run() throws {
        let dir = URL(fileURLWithPath: runDirectory)
        let run = try LoadedRun(directory: dir)
        let (ds, users, items) = (run.dataset, run.users, run.items)
        let out = URL(fileURLWithPath: output ?? dir.appendingPathComponent("embeddings").path)
        // Semantic IDs: --msac, else the directory of the semantic_ids.tsv the run trained with.
        let msacDir = msac.map { URL(fileURLWithPath: $0) } ?? run.config.training.semanticIDs.map {
            URL(fileURLWithPath: $0).deletingLastPathComponent()
        }
        var codes: SemanticIDs? = nil
        if let msacDir {
            do { codes = try IVFBuilder.primaryCodes(msacDir, itemIDs: run.run.itemIDs) } catch let e as ServingError {
                throw ValidationError(e.message)
            }
        }
        if to == "pgvector" {
            try exportPGVector(run: run.run, codes: codes)
            return
        }
        let extra = Array(run.run.itemIDs.externalIDs.dropFirst(ds.numItems))
        try EmbeddingExport.write(users: users, items: items, dataset: ds, extraItemIDs: extra, to: out)
        if let codes {
            try EmbeddingExport.writeSemanticIDs(primary: codes.primary, secondary: codes.secondary, dataset: ds, extraItemIDs: extra, to: out)
        }
        let semantic = codes.map { " and item semantic IDs (kp \($0.kp), ks \($0.ks))" } ?? ""
        if format == "npy" {
            print("wrote \(out.path)/{user,item}_embeddings.npy and {user,item}_ids.tsv\(semantic)")
            return
        }
        var f = SafeTensorsFile()
        f.add(name: "user_embeddings", matrix: users)
        f.add(name: "item_embeddings", matrix: items)
        f.metadata = ["users": String(ds.numUsers), "items": String(items.rows), "dataset": ds.name]
        if let codes {
            f.add(name: "item_primary_codes", int32: codes.primary)
            f.add(name: "item_secondary_codes", int32: codes.secondary)
            f.metadata["kp"] = String(codes.kp)
            f.metadata["ks"] = String(codes.ks)
        }
        let url = out.appendingPathComponent("embeddings.safetensors")
        try f.write(to: url)
        print("wrote \(url.path) (tensors user_embeddings, item_embeddings\(codes == nil ? "" : ", item_primary_codes, item_secondary_codes")) and id maps\(semantic)")
    }
}

extension ExportCommand {
    /// `--to pgvector`: the item vectors (and codes) into `--table`, in one transaction.
    private func exportPGVector(run: ServingRun, codes: SemanticIDs?) throws {
        let ds = run.dataset
        let parts = codes == nil ? 0 : partitions
        let schema = PGVectorSchema(table: table, dimension: run.dimension, index: PGVectorIndexKind(rawValue: index)!,
                                    partitions: parts, hasCodes: codes != nil,
                                    ivfLists: ivfLists ?? PGVectorSchema.defaultIVFLists(rows: ds.numItems, partitions: parts))
        let info = PGVectorTableInfo(items: ds.numItems, dimension: run.dimension, dataFingerprint: run.dataFingerprint,
                                     run: run.directory.path, index: schema.index, partitions: schema.partitions,
                                     kp: codes?.kp, ks: codes?.ks)
        let ids = (0..<ds.numItems).map { ds.items[$0] }
        let rows = PGVectorExport.Rows(ids: ids, vectors: run.items, primary: codes?.primary, secondary: codes?.secondary)
        let db = try PostgresConnection(dsn: dsn)
        let t = try PGVectorExport.run(rows, schema: schema, info: info, connection: db, batchRows: batchRows)
        let layout = schema.partitions > 0 ? ", \(schema.partitions) hash partitions by primary_code" : ""
        let kind = schema.index == .ivfflat ? "ivfflat, \(schema.ivfLists) lists" : schema.index.rawValue
        let semantic = codes.map { " with semantic IDs (kp \($0.kp), ks \($0.ks))" } ?? " without semantic IDs"
        print("wrote \(t.rows) items (dimension \(run.dimension))\(semantic) into pgvector table \(table) (\(kind)\(layout)) "
              + "at \(PostgresConnection.redacted(dsn.isEmpty ? "the PG* default server" : dsn)) in "
              + String(format: "%.2f s (COPY %.2f s, index %.2f s)", t.totalSeconds, t.copySeconds, t.indexSeconds))
    }
}
