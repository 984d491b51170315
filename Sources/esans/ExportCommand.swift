import ArgumentParser
import Foundation
import NumCore
import Models
import Training

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's user and item vectors as .npy (+ id TSVs) or one safetensors file.")

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "npy or safetensors.") var format = "npy"
    @Option(help: "Output directory (default: RUN/embeddings).") var output: String?

    func run() throws {
        let dir = URL(fileURLWithPath: runDirectory)
        let run = try LoadedRun(directory: dir)
        let (ds, users, items) = (run.dataset, run.users, run.items)
        let out = URL(fileURLWithPath: output ?? dir.appendingPathComponent("embeddings").path)
        switch format {
        case "npy":
            try EmbeddingExport.write(users: users, items: items, dataset: ds, to: out)
            print("wrote \(out.path)/{user,item}_embeddings.npy and {user,item}_ids.tsv")
        case "safetensors":
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            var f = SafeTensorsFile()
            f.add(name: "user_embeddings", matrix: users)
            f.add(name: "item_embeddings", matrix: items)
            f.metadata = ["users": String(ds.numUsers), "items": String(ds.numItems), "dataset": ds.name]
            let url = out.appendingPathComponent("embeddings.safetensors")
            try f.write(to: url)
            try EmbeddingExport.write(users: users, items: items, dataset: ds, to: out)
            print("wrote \(url.path) (tensors user_embeddings, item_embeddings) and id maps")
        default:
            throw ValidationError("--format must be npy or safetensors, not '\(format)'")
        }
    }
}
