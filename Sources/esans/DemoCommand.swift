import ArgumentParser
import Runs
import Foundation
import Datasets
import Training

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fetch MovieLens-100K, build MSAC clusters, and compare uniform negatives with ESANS (a few minutes).",
        discussion: """
        Three steps, each an ordinary esans command that the demo prints so that it can be rerun by hand: \
        `esans data fetch ml-100k`; `esans cluster` (MSAC on the films' genres and the users' behaviour: \
        semantic IDs for ESANS); `esans compare --samplers uns,esans --regime production` (both samplers \
        with the default recipe, each run's stopping point chosen on a validation split, then refitted). \
        Writes OUTPUT/msac and OUTPUT/compare (report.md, report.html, charts). Falls back to a generated \
        dataset, with a notice, when MovieLens-100K cannot be fetched.
        """)

    @Option(help: "Output directory.") var output = "runs/demo"
    @Option(help: "Epochs per run.") var epochs = 30
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func run() throws {
        var data: [String]
        var modalities = "behaviour"
        do {
            let dir = try DataFetcher.fetch(.ml100k)
            data = ["--data", dir.path, "--format", "recbole"]
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("ml-100k.item").path) { modalities = "structured,behaviour" }
            print("MovieLens-100K: \(dir.path)")
        } catch {
            printErr("notice: could not get MovieLens-100K (\(error)).\nnotice: continuing with a generated dataset (1,500 users, 1,200 items, 24 taste clusters).")
            data = ["--data", RunConfig.syntheticPath]
        }
        let msac = output + "/msac"
        let cluster = data + ["--modalities", modalities, "--kp", "32", "--ks", "8", "--seed", String(seed), "--output", msac]
        print("\n== 1. MSAC clusters: esans cluster \(cluster.joined(separator: " ")) ==")
        var clusterCommand = try ClusterFitCommand.parse(cluster)
        try clusterCommand.run()

        let compare = data + ["--samplers", "uns,esans", "--regime", "production", "--semantic-ids", msac + "/semantic_ids.tsv",
                              "--seeds", "1", "--seed", String(seed), "--epochs", String(epochs), "--output", output + "/compare"]
        print("\n== 2. UNS against ESANS: esans compare \(compare.joined(separator: " ")) ==")
        var compareCommand = try CompareCommand.parse(compare)
        try compareCommand.run()
        print("\nclusters: \(msac)/report.md; comparison: \(output)/compare/report.md (and report.html)")
    }
}
