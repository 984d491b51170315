import ArgumentParser
import Runs
import Foundation
import Datasets
import Training

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fetch MovieLens-100K, train with uniform and in-batch negatives, and compare (a few minutes).",
        discussion: "Falls back to a generated dataset, with a notice, when MovieLens-100K cannot be fetched.")

    @Option(help: "Run directory root.") var output = "runs/demo"
    @Option(help: "Epochs per sampler.") var epochs = 30
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func run() throws {
        var source: RunConfig.DataSource
        do {
            let dir = try DataFetcher.fetch(.ml100k)
            source = RunConfig.DataSource(path: dir.path)
            source.format = .recbole
            print("MovieLens-100K: \(dir.path)")
        } catch {
            printErr("notice: could not get MovieLens-100K (\(error)).\nnotice: continuing with a generated dataset (1,500 users, 1,200 items, 24 taste clusters).")
            source = RunConfig.DataSource(path: RunConfig.syntheticPath)
        }
        var rows: [(String, [String: Double])] = []
        for sampler in ["uns", "inbatch"] {
            // MovieLens-100K is small (~80k training pairs): smaller batches and pools.
            let t = try TrainingOptions.parse([
                "--sampler", sampler, "--epochs", String(epochs), "--seed", String(seed), "--negatives", "256",
                "--batch-size", "256", "--lr", "0.005", "--eval-every", "5",
            ])
            let config = try t.runConfig(data: source)
            print("\n== \(sampler) ==")
            let log = try runTraining(config, output: output + "/" + sampler, resume: false)
            rows.append((sampler, log.final ?? [:]))
        }
        print("\nresults (test split, full-corpus ranking, training items masked):")
        print("sampler    recall@20  ndcg@20  recall@50  recall@100  epoch s")
        for (name, f) in rows {
            print(name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: "  %.4f     %.4f   %.4f     %.4f      %.2f", f["recall@20"] ?? 0, f["ndcg@20"] ?? 0,
                         f["recall@50"] ?? 0, f["recall@100"] ?? 0, f["median_epoch_seconds"] ?? 0))
        }
        print("\nruns, metrics.json and embeddings: \(output)/")
    }
}
