import ArgumentParser
import Runs
import Foundation
import NumCore
import Models
import Serving
import Training
import Codebooks

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's user and item vectors as .npy (+ id TSVs) or one safetensors file, with item semantic IDs when available.",
        discussion: """
        Semantic IDs come from --msac DIR (an `esans cluster` output on the same data), or else from the \
        semantic_ids.tsv the run trained with (ESANS). They are written as item_semantic_ids.tsv and \
        item_{primary,secondary}_codes.npy, and as tensors item_primary_codes / item_secondary_codes in \
        the safetensors file.
        """)

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "npy or safetensors.") var format = "npy"
    @Option(help: "Output directory (default: RUN/embeddings).") var output: String?
    @Option(help: "MSAC directory (semantic_ids.tsv, msac.safetensors) whose item semantic IDs to export.") var msac: String?

    func run() throws {
        guard format == "npy" || format == "safetensors" else {
            throw ValidationError("--format must be npy or safetensors, not '\(format)'")
        }
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
