import ArgumentParser
import Runs
import Foundation
import Datasets
import Training

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fetch MovieLens-100K, build MSAC clusters, and compare UNS, DNS and ESANS at a matched budget (a few minutes).",
        discussion: """
        Three steps, each an ordinary esans command that the demo prints so that it can be rerun by hand: \
        `esans data fetch ml-100k`; `esans cluster` (MSAC semantic IDs for ESANS from the users' behaviour, \
        the films' genres and, when the MiniLM weights are in the cache, their titles); `esans compare \
        --samplers uns,dns,esans --regime production` (the three samplers with the default recipe and the \
        same negatives per positive and shared pool; each run's stopping point chosen on a validation \
        split, then refitted). It ends with the results table, the report's path and the `esans serve` \
        command for the run with the best validation Recall@50 (never chosen on the test split). \
        Writes OUTPUT/msac and OUTPUT/compare (report.md, report.html, charts). Falls back to a generated \
        dataset, with a notice, when MovieLens-100K cannot be fetched.
        """)

    @Option(help: "Output directory.") var output = "runs/demo"
    @Option(help: "Epochs per run (the number selected on validation is then trained again on all training data).") var epochs = 15
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Embedding dimension of the compared runs (the training recipe's is 160; 64 keeps the demo within minutes).") var dim = 64

    /// The samplers the demo compares, in report order.
    static let samplers = ["uns", "dns", "esans"]

    func run() throws {
        let started = Date()
        let binary = Self.invokedName
        var data: [String]
        do {
            let dir = try DataFetcher.fetch(.ml100k)
            data = ["--data", dir.path, "--format", "recbole"]
            print("MovieLens-100K: \(dir.path)")
        } catch {
            printErr("notice: could not get MovieLens-100K (\(error)).\nnotice: continuing with a generated dataset (1,500 users, 1,200 items, 24 taste clusters).")
            data = ["--data", RunConfig.syntheticPath]
        }
        // The modalities the data has (behaviour; genres from the .item file; titles with the MiniLM weights).
        let modalities = DefaultSemanticIDs.modalities(for: RunConfig.DataSource(path: data[1]))
        let msac = output + "/msac"
        // The fit leaves out the validation pairs the compared runs carve with the same seed (they select on them).
        let cluster = data + ["--modalities", modalities.names.joined(separator: ","), "--kp", "32", "--ks", "8", "--seed", String(seed),
                              "--validation", String(TrainConfig().validationFraction), "--output", msac]
        print("\n== 1. MSAC clusters (\(modalities.text)): \(binary) cluster \(cluster.joined(separator: " ")) ==")
        let clusterCommand = try ClusterFitCommand.parse(cluster)
        try clusterCommand.run()

        let compareDir = output + "/compare"
        let compare = data + ["--samplers", Self.samplers.joined(separator: ","), "--regime", "production", "--semantic-ids", msac + "/semantic_ids.tsv",
                              "--seeds", "1", "--seed", String(seed), "--epochs", String(epochs), "--dim", String(dim), "--output", compareDir]
        print("\n== 2. UNS, DNS and ESANS at a matched budget: \(binary) compare \(compare.joined(separator: " ")) ==")
        let compareCommand = try CompareCommand.parse(compare)
        try compareCommand.run()

        // The run to serve: the best validation Recall@50 (the test split never chooses).
        let key = "valid_recall@50"
        var scored: [(sampler: String, run: String, valid: Double)] = []
        for s in Self.samplers {
            let run = "\(compareDir)/runs/\(s)-seed\(seed)"
            let log = try MetricsLog.read(from: URL(fileURLWithPath: run).appendingPathComponent(RunFiles.metrics))
            if let v = log.final?[key] { scored.append((s, run, v)) }
        }
        print("\n== 3. Results ==")
        print("clusters: \(msac)/report.md; comparison: \(compareDir)/report.html (and report.md, compare.json, charts)")
        guard let best = scored.max(by: { $0.valid < $1.valid }) else {
            print("no run has validation metrics (was --validation 0 given?); serve any run with `\(binary) serve --run \(compareDir)/runs/<sampler>-seed\(seed)`")
            return
        }
        print("best on validation Recall@50: \(best.sampler) (" + scored.map { String(format: "%@ %.4f", $0.sampler, $0.valid) }.joined(separator: ", ") +
              "; chosen on the validation split, never on test)")
        print(String(format: "demo finished in %.0fs", Date().timeIntervalSince(started)))
        print("\nServe the best run over HTTP (then e.g. curl -s localhost:8080/v1/retrieve -H 'content-type: application/json' -d '{\"user_id\": \"1\", \"k\": 10}'):")
        print("  \(binary) serve --run \(best.run)")
    }

    /// How the user invoked this program (a path when it was run by path), for printed commands.
    static var invokedName: String {
        let first = CommandLine.arguments.first ?? "esans"
        return first.contains("/") ? first : "esans"
    }
}
