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
        let m = FullCorpusEvaluator(cutoffs: ks).evaluate(userVectors: run.users, itemVectors: run.items, train: run.run.known, test: ds.test) {
            bar.update("evaluating test", done: $0, total: $1, unit: "users")
        }
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
    do { return try RunConfig.read(from: url) } catch let e as ConfigFileError {
        throw ValidationError(e.description)
    } catch {
        throw ValidationError("\(url.path): not a valid run configuration (\(error))")
    }
}
