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
        abstract: "Export a run's user and item vectors as .npy (+ id TSVs) or one safetensors file, or its item vectors into PostgreSQL + pgvector or Milvus, with item semantic IDs when available.",
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

        --to milvus loads them into a Milvus collection on the server of --address (gRPC, e.g. \
        milvus-lite), fields id (VarChar primary key), vec (FloatVector), primary_code and secondary_code \
        (Int64; primary_code is the partition key over --partitions physical partitions), with a --index on \
        inner product (flat: FLAT, exact; hnsw: HNSW; ivf-flat: IVF_FLAT with --ivf-lists as nlist). It writes \
        a new collection NAME_esans_STAMP and then points the alias --collection at it and drops the one it \
        replaced, so readers never see a half-written collection. Needs the gRPC C library at run time \
        (Debian: libgrpc29; or ESANS_LIBGRPC=FILE). `esans serve --backend milvus` answers from it.
        """)

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "npy or safetensors.") var format = "npy"
    @Option(help: "Output directory (default: RUN/embeddings).") var output: String?
    @Option(help: "MSAC directory (semantic_ids.tsv, msac.safetensors) whose item semantic IDs to export.") var msac: String?
    @Option(help: "Where to: files (--format into --output), pgvector (a PostgreSQL table) or milvus (a Milvus collection).") var to = "files"
    @Option(help: "pgvector: libpq connection string, e.g. postgresql://user@127.0.0.1:5432/db (empty: the PG* variables).") var dsn = ""
    @Option(help: "pgvector: table to write (replaced atomically if it exists).") var table = "esans_items"
    @Option(help: "milvus: the server's gRPC address, host:port.") var address = "127.0.0.1:19530"
    @Option(help: "milvus: the alias to point at the new collection (its previous collection is dropped).") var collection = "esans_items"
    @Option(help: "Vector index on inner product: flat (exact scan), hnsw, or ivfflat (pgvector) / ivf-flat (milvus).") var index = "hnsw"
    @Option(help: "With semantic IDs: pgvector hash partitions by primary code (0: one plain table); milvus partitions of the partition key primary_code (0: no partition key).") var partitions = 16
    @Option(help: "ivfflat lists per partition (pgvector; default: square root of the rows per partition) or IVF_FLAT nlist (milvus; default: square root of the rows per partition).") var ivfLists: Int?
    @Option(help: "Rows sent per COPY batch (pgvector, default \(PGVectorExport.defaultBatchRows)) or Insert call (milvus, default \(MilvusExport.defaultBatchRows)).") var batchRows: Int?

    func validate() throws {
        guard format == "npy" || format == "safetensors" else {
            throw ValidationError("--format must be npy or safetensors, not '\(format)'")
        }
        guard to == "files" || to == "pgvector" || to == "milvus" else {
            throw ValidationError("--to must be files, pgvector or milvus, not '\(to)'")
        }
        if to != "pgvector" && !dsn.isEmpty { throw ValidationError("--dsn goes with --to pgvector") }
        if let ivfLists, ivfLists < 1 { throw ValidationError("--ivf-lists must be at least 1, got \(ivfLists)") }
        if let batchRows, batchRows < 1 { throw ValidationError("--batch-rows must be at least 1, got \(batchRows)") }
        if to == "milvus" { return try validateMilvus() }
        guard to == "pgvector" else { return }
        if output != nil { throw ValidationError("--output goes with --to files; --to pgvector writes --table") }
        if let why = PGVectorSchema.validateName(table) { throw ValidationError("--table: \(why)") }
        guard PGVectorIndexKind(rawValue: index) != nil else {
            throw ValidationError("--index must be flat, hnsw or ivfflat, not '\(index)'")
        }
        guard (0...1024).contains(partitions) else { throw ValidationError("--partitions must be in 0...1024, got \(partitions)") }
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
        if to == "milvus" {
            try exportMilvus(run: run.run, codes: codes)
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
        let t = try PGVectorExport.run(rows, schema: schema, info: info, connection: db,
                                      batchRows: batchRows ?? PGVectorExport.defaultBatchRows)
        let layout = schema.partitions > 0 ? ", \(schema.partitions) hash partitions by primary_code" : ""
        let kind = schema.index == .ivfflat ? "ivfflat, \(schema.ivfLists) lists" : schema.index.rawValue
        let semantic = codes.map { " with semantic IDs (kp \($0.kp), ks \($0.ks))" } ?? " without semantic IDs"
        print("wrote \(t.rows) items (dimension \(run.dimension))\(semantic) into pgvector table \(table) (\(kind)\(layout)) "
              + "at \(PostgresConnection.redacted(dsn.isEmpty ? "the PG* default server" : dsn)) in "
              + String(format: "%.2f s (COPY %.2f s, index %.2f s)", t.totalSeconds, t.copySeconds, t.indexSeconds))
    }
}
