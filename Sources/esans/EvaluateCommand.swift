import ArgumentParser
import Foundation
import NumCore
import Models
import Evaluation
import Training

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a trained run on the full corpus (test split, training items masked).")

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "Cut-offs, comma-separated.") var cutoffs = "20,50,100,200"
    @Option(help: "Kernel threads (0 = all cores).") var threads = 0

    func run() throws {
        if threads > 0 { WorkerPool.configure(threads: threads) }
        let dir = URL(fileURLWithPath: runDirectory)
        let config = try loadRunConfig(dir)
        let ks = try cutoffs.split(separator: ",").map { s -> Int in
            guard let k = Int(s), k > 0 else { throw ValidationError("--cutoffs: '\(s)' is not a positive integer") }
            return k
        }.sorted()
        let ds = try config.loadDataset()
        let (model, _) = try Checkpoint.load(from: dir.appendingPathComponent("model.safetensors"))
        guard model.numUsers == ds.numUsers, model.numItems == ds.numItems else {
            throw ValidationError("model.safetensors was trained on \(model.numUsers) users x \(model.numItems) items; the data has \(ds.numUsers) x \(ds.numItems)")
        }
        let t0 = Date()
        let items = TwoTowerModel.encodeAll(model.itemTower, count: ds.numItems)
        let users = TwoTowerModel.encodeAll(model.userTower, count: ds.numUsers) { ds.train.items(of: $0) }
        let m = FullCorpusEvaluator(cutoffs: ks).evaluate(userVectors: users, itemVectors: items, train: ds.train, test: ds.test)
        print("\(ds.name): \(m.usersEvaluated) test users, \(ds.numItems) items, \(String(format: "%.2f", Date().timeIntervalSince(t0)))s")
        print(m.description)
    }
}

/// Reads `RUNDIR/config.json`.
func loadRunConfig(_ dir: URL) throws -> RunConfig {
    let url = dir.appendingPathComponent("config.json")
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw ValidationError("\(url.path): not found; is \(dir.path) a run directory written by `esans train`?")
    }
    do { return try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: url)) } catch {
        throw ValidationError("\(url.path): not a valid run configuration (\(error))")
    }
}
