import ArgumentParser
import Collectives
import Runs
import Foundation
import NumCore
import Models
import Evaluation
import Training

struct EvaluateCommand: ParsableCommand, RunsOnRanks {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a trained run on the full corpus (test split, training items masked).",
        discussion: """
        Prints the metrics; with --output, also writes them as JSON (the `final` entry of a \
        metrics.json: recall@K, ndcg@K, hit@K, mrr@K). Launched by `mpirun -np R` (or `srun \
        --mpi=pmix`), the users are split over the R ranks in consecutive blocks and the metrics \
        are bitwise those of one process; rank 0 alone prints and writes, and each rank uses its \
        share of the machine's cores unless --threads is given.
        """)

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "Cut-offs, comma-separated.") var cutoffs = "20,50,100,200"
    @Option(help: "Kernel threads (0 = all cores, or under mpirun the cores shared by this machine's ranks).") var threads = 0
    @Option(help: "Also write the metrics to this JSON file (atomically).") var output: String?

    func validate() throws {
        guard threads >= 0 else { throw ValidationError("--threads must not be negative") }
        _ = try parsedCutoffs()
    }

    private func parsedCutoffs() throws -> [Int] {
        try cutoffs.split(separator: ",").map { s -> Int in
            guard let k = Int(s), k > 0 else { throw ValidationError("--cutoffs: '\(s)' is not a positive integer") }
            return k
        }.sorted()
    }

    func run() throws {
        let comm = try Ranks.join(threads: threads)
        defer { Ranks.leave(comm) }
        if threads > 0 { WorkerPool.configure(threads: threads) }
        let ks = try parsedCutoffs()
        let t0 = Date()
        let run = try LoadedRun(directory: URL(fileURLWithPath: runDirectory))
        let ds = run.dataset
        let bar = comm.isRoot ? StageProgress() : nil
        let m = FullCorpusEvaluator(cutoffs: ks, communicator: comm)
            .evaluate(userVectors: run.users, itemVectors: run.run.datasetItemVectors, train: run.run.known, test: ds.test) {
                bar?.update("evaluating test", done: $0, total: $1, unit: "users")
            }
        guard comm.isRoot else { return }
        let ranks = comm.size > 1 ? ", \(comm.size) ranks" : ""
        print("\(ds.name): \(m.usersEvaluated) test users, \(ds.numItems) items, \(String(format: "%.2f", Date().timeIntervalSince(t0)))s\(ranks)")
        print(m.description)
        var values = m.values
        // Items without training interactions, scored from their features (a run with
        // --item-features); on rank 0 alone, in one process.
        let tower = run.model.itemTower
        let extra = Array(run.run.itemIDs.externalIDs.dropFirst(ds.numItems))
        if tower.features != nil, let cold = ColdItemEvaluation.testRelevance(dataset: ds, extraItemIDs: extra, present: tower.featurePresent),
           cold.relevant.count > 0 {
            let rows = tower.idOmitted.map { flags in flags.indices.filter { flags[$0] } } ?? Array(ds.numItems..<run.items.rows)
            let r = ColdItemEvaluation.evaluate(FullCorpusEvaluator(cutoffs: ks), userVectors: run.users, itemVectors: run.items,
                                                coldRows: rows.map { Int32($0) }, known: run.run.known, relevant: cold.relevant)
            var coldValues = r.values()
            if cold.withoutFeatures > 0 { coldValues["cold_interactions_without_features"] = Double(cold.withoutFeatures) }
            printColdMetrics(coldValues, cutoffs: ks)
            values.merge(coldValues) { a, _ in a }
        }
        if let output {
            var log = MetricsLog()
            log.final = values
            log.info = ["dataset": ds.name, "users_evaluated": String(m.usersEvaluated), "items": String(ds.numItems),
                        "run": runDirectory, "split": "test"]
            try log.write(to: URL(fileURLWithPath: output))
            print("wrote \(output)")
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
