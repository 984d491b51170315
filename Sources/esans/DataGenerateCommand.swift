import ArgumentParser
import Foundation
import Datasets
import Runs

/// `esans data generate`: a scale-simulation log (power-law popularity, planted clusters)
/// written straight into the sharded layout, one shard at a time.
struct DataGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a synthetic interaction log of any size (Zipf popularity, planted clusters) as a sharded directory.",
        discussion: """
        Item popularity is Zipf-like with exponent 1 over a random permutation of the items; the item of popularity \
        rank r belongs to cluster r % C. Each user prefers 1 or 2 clusters and draws 80% of their items there (by \
        popularity within the cluster), the rest by global popularity; items per user are distinct, their number \
        log-normal with mean N/U (at least 2). A random --test-share of each user's items is marked test (at least \
        one train item each). User u goes to shard u % S, and every draw of user u depends only on --seed and u: \
        the same options give byte-identical files. Memory holds one shard's arrays (and 4 bytes per item); the \
        interaction count is within a few percent of --interactions. Read it back with --data DIR.
        """)

    @Option(help: ArgumentHelp("Number of users U.", valueName: "U")) var users: Int
    @Option(help: ArgumentHelp("Number of items I.", valueName: "I")) var items: Int
    @Option(help: ArgumentHelp("Target number of interactions N (at least 2 per user).", valueName: "N")) var interactions: Int
    @Option(help: ArgumentHelp("Number of planted item clusters C.", valueName: "C")) var clusters: Int = 20
    @Option(help: ArgumentHelp("Number of shards S (user u goes to shard u % S).", valueName: "S")) var shards: Int = 1
    @Option(help: "Seed of every random draw.") var seed: UInt64 = 1
    @Option(help: "Expected share of each user's items marked test, in [0, 1).") var testShare: Double = 0.2
    @Option(help: "Output directory (must not exist, unless --force).") var output: String
    @Flag(help: "Replace an existing output directory (only once the new one is complete).") var force = false

    var config: ScaleSimulation.Config {
        ScaleSimulation.Config(users: users, items: items, interactions: interactions, clusters: clusters, seed: seed, testShare: testShare)
    }

    func validate() throws {
        if let problem = config.problem { throw ValidationError("--\(problem.replacingOccurrences(of: "the test share", with: "test-share"))") }
        guard shards >= 1 && shards <= 1_000_000 else { throw ValidationError("--shards must be in 1...1000000, not \(shards)") }
        let out = URL(fileURLWithPath: output).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out.path, isDirectory: &isDirectory) {
            guard force else { throw ValidationError("--output \(output) already exists; remove it, choose another, or pass --force to replace it") }
            guard isDirectory.boolValue, ShardedDirectory.looksSharded(out.path) else {
                throw ValidationError("--output \(output) exists and is not a sharded directory (no manifest.json); --force replaces only those")
            }
        }
    }

    func run() throws {
        let out = URL(fileURLWithPath: output).standardizedFileURL
        let start = Date()
        let bar = ProgressBar(total: shards, label: "generate", unit: "shards")
        let manifest = try ScaleSimulation(config).write(shards: shards, to: out, replace: force) { done, _ in bar.update(done) }
        let sizes = manifest.shards.map(\.nnz)
        let bytes = manifest.shards.reduce(0) { $0 + $1.files.values.reduce(0) { $0 + $1.bytes } }
        print("wrote \(out.path): \(shards) shard\(shards == 1 ? "" : "s") (user % \(shards)) of \(DatasetInfo.grouped(users)) users, "
              + "\(DatasetInfo.grouped(items)) items, \(DatasetInfo.grouped(manifest.numInteractions)) interactions "
              + "(target \(DatasetInfo.grouped(interactions))) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        print("  interactions per shard: min \(sizes.min() ?? 0), max \(sizes.max() ?? 0); arrays \(TrainingMemoryEstimate.megabytes(Double(bytes)))")
    }
}
