import ArgumentParser
import Runs
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
        let ks = try cutoffs.split(separator: ",").map { s -> Int in
            guard let k = Int(s), k > 0 else { throw ValidationError("--cutoffs: '\(s)' is not a positive integer") }
            return k
        }.sorted()
        let t0 = Date()
        let run = try LoadedRun(directory: URL(fileURLWithPath: runDirectory))
        let ds = run.dataset
        let bar = StageProgress()
        let evaluator = FullCorpusEvaluator(cutoffs: ks)
        let m = evaluator.evaluate(userVectors: run.users, itemVectors: run.run.datasetItemVectors, train: run.run.known, test: ds.test) {
            bar.update("evaluating test", done: $0, total: $1, unit: "users")
        }
        print("\(ds.name): \(m.usersEvaluated) test users, \(ds.numItems) items, \(String(format: "%.2f", Date().timeIntervalSince(t0)))s")
        print(m.description)
        // Items without training interactions, scored from their features (a run with --item-features).
        let tower = run.model.itemTower
        let extra = Array(run.run.itemIDs.externalIDs.dropFirst(ds.numItems))
        if tower.features != nil, let cold = ColdItemEvaluation.testRelevance(dataset: ds, extraItemIDs: extra, present: tower.featurePresent),
           cold.relevant.count > 0 {
            let rows = tower.idOmitted.map { flags in flags.indices.filter { flags[$0] } } ?? Array(ds.numItems..<run.items.rows)
            let r = ColdItemEvaluation.evaluate(evaluator, userVectors: run.users, itemVectors: run.items, coldRows: rows.map { Int32($0) },
                                                known: run.run.known, relevant: cold.relevant)
            var values = r.values()
            if cold.withoutFeatures > 0 { values["cold_interactions_without_features"] = Double(cold.withoutFeatures) }
            printColdMetrics(values, cutoffs: ks)
        }
    }
}

/// Prints the cold-item metrics of a metrics entry (keys of ``Evaluation/ColdItemEvaluation/Result/values(prefix:)``,
/// with `prefix`), if it has them: the end of `train` and `evaluate`.
func printColdMetrics(_ f: [String: Double], prefix: String = "", cutoffs: [Int] = [20, 50, 100, 200]) {
    guard let items = f[prefix + "cold_items_relevant"] else { return }
    let label = prefix.isEmpty ? "test" : "validation"
    print("\ncold items (\(label): items without training interactions, scored from their features): \(Int(items)) items, "
          + "\(Int(f[prefix + "cold_interactions"] ?? 0)) interactions of \(Int(f[prefix + "cold_users"] ?? 0)) users"
          + (f[prefix + "cold_interactions_without_features"].map { "; \(Int($0)) interactions of items without features left out" } ?? ""))
    for (key, what) in [("cold_", "ranked against the whole catalogue    "), ("coldonly_", "ranked among the \(Int(f[prefix + "cold_items"] ?? 0)) cold items")] {
        let cells = cutoffs.compactMap { k in
            f[prefix + key + "recall@\(k)"].map { String(format: "recall@%d %.4f ndcg@%d %.4f", k, $0, k, f[prefix + key + "ndcg@\(k)"] ?? 0) }
        }
        print("  \(what) (\(prefix + key)*): " + cells.joined(separator: "  "))
    }
}

/// Reads `RUNDIR/config.json`.
func loadRunConfig(_ dir: URL) throws -> RunConfig {
    let url = dir.appendingPathComponent("config.json")
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw ValidationError("\(url.path): not found; is \(dir.path) a run directory written by `esans train`?")
    }
    do { return try RunConfig.read(from: url) } catch let e as ConfigFileError {
        throw ValidationError(e.description)
    } catch {
        throw ValidationError("\(url.path): not a valid run configuration (\(error))")
    }
}
