import ArgumentParser
import Runs
import Foundation
import Datasets
import Evaluation
import Training

struct TrainCommand: ParsableCommand, RunsOnRanks {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a two-tower model and evaluate it on the full corpus after each epoch.",
        discussion: """
        Writes OUTPUT/config.json, OUTPUT/metrics.json (per-epoch and final Recall/NDCG/HitRate/MRR at \
        20, 50, 100, 200 and timings), OUTPUT/model.safetensors (model + optimiser, after every epoch) \
        and OUTPUT/embeddings/ (.npy vectors and id maps). An OUTPUT that holds a run is never replaced \
        unless --overwrite is given. --resume continues the run in OUTPUT with its settings (OUTPUT/config.json; \
        options given must equal them): an interrupted run ends as if it had not stopped. --resume --epochs N with N \
        above the run's epochs extends it, finished or interrupted, to N epochs: the epochs already trained keep \
        their learning rates and the later ones follow the schedule of a run planned for N epochs from the start \
        (cosine and linear jump back up to where such a run would be; constant and plateau do not change), so an \
        extended run is not the same as a run trained for N epochs from the start, but the same command gives the \
        same numbers, and config.json records the extension (training.extensions). Model selection on validation \
        continues over the new epochs and the refit is made again. Fewer epochs than the run's, or more for a run \
        that validation stopped early, are refused. \
        --sampler esans without --semantic-ids fits MSAC semantic IDs with the default settings into \
        OUTPUT/msac (the modalities the data has: behaviour, structured from a .item file, text when the \
        MiniLM weights are in the cache) and reuses them when the run is resumed or repeated on the same data. \
        --config FILE reads the settings from a JSON file in the shape of config.json (an earlier run's \
        config.json is one; any part may be left out and takes the default): the options given on the command \
        line override its values. A key or a value esans does not know fails, naming it and the accepted ones. \
        --distributed trains with sharded embedding tables on the ranks of an MPI job (`mpirun -np R esans train \
        --distributed ...`; R must divide --virtual-shards): the same numbers on any R, per-shard checkpoints in \
        OUTPUT/shards that --resume continues on any R (see README, "Scaling out").
        """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var training: TrainingOptions
    @OptionGroup(title: "Side features and cold-start items") var features: FeatureOptions
    @Option(name: .customLong("config"), help: ArgumentHelp("Run settings file (JSON in the shape of config.json, e.g. an earlier run's); the options given override its values.", valueName: "file"))
    var configFile: String?
    @Option(help: "Run directory.") var output: String
    @Flag(help: "Continue the run in --output from its last finished epoch, with its settings; a larger --epochs extends it (see above).") var resume = false
    @Flag(help: "Replace a run already in --output (without it, an existing run is never overwritten).") var overwrite = false
    /// The earlier name of `--overwrite`, kept for scripts.
    @Flag(help: .hidden) var force = false
    @Flag(help: "Train with sharded embedding tables on the ranks of an MPI job (or one process): ID-only towers, no validation split.")
    var distributed = false
    @Option(help: ArgumentHelp("Virtual shards of a --distributed run (default 8): the fixed partition of rows and interactions; the number of ranks must divide it.", valueName: "n"))
    var virtualShards: Int?
    @Option(help: ArgumentHelp("Evaluate a --distributed run on a sample of N users drawn from the seed (default: every user), for catalogues too large to rank for everyone.", valueName: "n"))
    var evalUsers: Int?
    @Flag(help: "Start even when the run's estimated peak memory (see `esans data info`) exceeds the machine's physical memory.")
    var ignoreMemoryLimit = false

    /// Without a settings file every setting is known while parsing: check them all here, so
    /// that a problem is reported with this command's usage.
    /// (With --resume the run's own settings are the base, read in `run()`.)
    func validate() throws {
        if resume && (overwrite || force) {
            throw ValidationError("--resume continues the run in --output and --overwrite replaces it; give one of them")
        }
        if virtualShards != nil && !distributed { throw ValidationError("--virtual-shards is a setting of --distributed runs") }
        if let v = virtualShards, v < 1 { throw ValidationError("--virtual-shards must be at least 1 (got \(v))") }
        if evalUsers != nil && !distributed { throw ValidationError("--eval-users is a setting of --distributed runs") }
        if let n = evalUsers, n < 1 { throw ValidationError("--eval-users must be at least 1 (got \(n))") }
        if configFile == nil && !resume {
            try dataOptions.requireData()
            var c = try training.runConfig(data: dataOptions.source())
            try features.apply(to: &c)
        }
    }

    /// The settings of the run in --output, when there is one.
    var existingRunConfig: URL? {
        let url = URL(fileURLWithPath: output).appendingPathComponent(RunFiles.config)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The run's settings: the base (the settings file, else with --resume the run's own
    /// settings, else the recipe's defaults) with the options given applied over it.
    func runConfig() throws -> RunConfig {
        let base: RunConfig
        if let configFile {
            base = try RunSettingsFile.read(from: URL(fileURLWithPath: configFile), dataPath: dataOptions.data)
        } else if resume, let saved = existingRunConfig {
            base = try RunConfig.read(from: saved)
        } else {
            var c = try training.runConfig(data: dataOptions.source())
            try features.apply(to: &c)
            return c
        }
        var merged = base
        merged.data = try dataOptions.source(over: base.data)
        var c = try training.runConfig(over: merged)
        try features.apply(to: &c)
        return c
    }

    func run() throws {
        if !resume && !(overwrite || force) && existingRunConfig != nil {
            throw ValidationError("\(output) already holds a run (\(RunFiles.config)); use --resume to continue it (--resume --epochs N to extend it), "
                                  + "--overwrite to replace it, or another --output")
        }
        var config = try runConfig()
        if distributed || config.training.virtualShards != nil {
            if !distributed { throw ValidationError("these settings are a --distributed run's (training.virtualShards is set\(resume ? " in \(output)" : "")): add --distributed") }
            if resume && config.training.virtualShards == nil { throw ValidationError("\(output) holds a single-process run: resume it without --distributed") }
            if let v = virtualShards { config.training.virtualShards = v }
            if config.training.virtualShards == nil { config.training.virtualShards = 8 }
            if let n = evalUsers { config.training.evalUsers = n }
            return try runDistributed(config)
        }
        if config.training.evalUsers != nil { throw ValidationError("training.evalUsers (--eval-users) is a setting of --distributed runs") }
        // Settings that cannot resume the run are refused before anything is written (or fitted).
        if resume { _ = try RunResumption.plan(config: config, directory: URL(fileURLWithPath: output)) }
        // ESANS without --semantic-ids: the default MSAC fit in OUTPUT/msac (made once, then reused;
        // a resumed run on it checks it again, and says it is reused).
        if resume && training.semanticIds == nil && DefaultSemanticIDs.isDefaultFit(config.training.semanticIDs, output: URL(fileURLWithPath: output)) {
            config.training.semanticIDs = nil
        }
        try DefaultSemanticIDs.fillIn(&config, output: URL(fileURLWithPath: output), resuming: resume) { print($0) }
        let log = try runTraining(config, output: output, resume: resume,
                                  memoryLimit: ignoreMemoryLimit ? nil : TrainingMemoryEstimate.physicalMemory)
        printFinal(log)
    }
}

/// Runs training with progress output; shared by `train` and `demo`. Each epoch's bar shows
/// "epoch k/N" and the whole run's ETA (``TrainingETA``: the main phase and the refit).
/// `memoryLimit`: refuse a run whose estimated peak exceeds it (nil: no check).
func runTraining(_ config: RunConfig, output: String, resume: Bool, quiet: Bool = false,
                 memoryLimit: UInt64? = TrainingMemoryEstimate.physicalMemory) throws -> MetricsLog {
    var bar: ProgressBar? = nil
    let evaluations = StageProgress()
    var validation: (metrics: RankingMetrics, best: Bool)? = nil
    var refitting = false
    var eta = TrainingETA(config: config.training)
    var epochStart = Date()
    var phaseTotal = config.training.epochs
    let run = TrainingRun(directory: URL(fileURLWithPath: output), config: config) { event in
        switch event {
        case .loaded(let ds):
            if quiet { return }
            print("data: \(ds.name): \(ds.numUsers) users, \(ds.numItems) items, \(ds.train.count) train, \(ds.test.count) test" +
                  (ds.validation.map { ", \($0.count) validation" } ?? ""))
            for f in ds.filters { print("filter: \(f)") }
            for n in ds.notes { print("note: \(n)") }
        case .resumed(let e):
            print("resuming after epoch \(e)")
        case .step(let epoch, let step, let of, let loss):
            if step == 1 {
                epochStart = Date()
                let left = eta.secondsLeft(beforeEpoch: epoch).map { " (run ETA \(ProgressBar.clock($0)))" } ?? ""
                bar = ProgressBar(total: of, label: (refitting ? "refit epoch" : "epoch") + " \(epoch)/\(phaseTotal)" + left, unit: "steps")
            }
            bar?.update(step, suffix: String(format: "loss %.4f", loss))
        case .evaluating(let split, let done, let of):
            evaluations.update("evaluating \(split)", done: done, total: of, unit: "users")
        case .epochDone(let stats, let metrics, let evalSeconds):
            if refitting {
                eta.refitEpochFinished(seconds: Date().timeIntervalSince(epochStart))
            } else {
                eta.mainEpochFinished(wallSeconds: Date().timeIntervalSince(epochStart), trainSeconds: stats.seconds)
            }
            if quiet { return }
            var line = String(format: "%@epoch %3d/%d  loss %.4f  train %.2fs", refitting ? "refit " : "", stats.epoch, phaseTotal, stats.loss, stats.seconds)
            if let (v, best) = validation {
                line += String(format: "  eval %.2fs  valid recall@20 %.4f  ndcg@20 %.4f%@", evalSeconds,
                               v.values["recall@20"] ?? 0, v.values["ndcg@20"] ?? 0, best ? "  (best)" : "")
                validation = nil
            }
            if let m = metrics {
                line += String(format: "  eval %.2fs  recall@20 %.4f  ndcg@20 %.4f  recall@50 %.4f", evalSeconds,
                               m.values["recall@20"] ?? 0, m.values["ndcg@20"] ?? 0, m.values["recall@50"] ?? 0)
            }
            print(line)
        case .note(let n):
            if !quiet { print("note: \(n)") }
        case .earlyStop(let e):
            if !quiet { print("early stop after epoch \(e): no better validation recall for the configured patience") }
        case .validated(_, let m, let best):
            validation = (m, best)
        case .learningRateDropped(let e, let lr, let best):
            if !quiet { print("plateau after epoch \(e): learning rate now \(lr), weights of epoch \(best) reloaded") }
        case .clustersRefreshed(let r):
            if !quiet {
                print(String(format: "clusters refreshed after epoch %d in %.2fs: %d items changed cell (%d primary), %d primary clusters used, %d cells, objective %.4g / %.4g",
                             r.epoch, r.seconds, r.itemsChangedCell, r.itemsChangedPrimary, r.primaryUsed, r.occupiedCells, r.primaryObjective, r.secondaryObjective))
            }
        case .refitStarted(let epochs):
            refitting = true
            phaseTotal = epochs
            eta.refitStarted(epochs: epochs)
            if !quiet { print("refit on all training data (validation included) for \(epochs) epochs") }
        }
    }
    run.memoryLimit = memoryLimit
    return try run.run(resume: resume)
}

/// Prints the final entry of a metrics log as a small table.
func printFinal(_ log: MetricsLog) {
    guard let f = log.final else { return }
    if let e = f["selected_epoch"] {
        let refit = f["refit_epochs"].map { String(format: ", refit on all training data for %d epochs", Int($0)) } ?? ""
        print(String(format: "\nselected on validation: epoch %d (valid recall@20 %.4f, %d learning-rate drops)%@", Int(e),
                     f["valid_recall@20"] ?? 0, Int(f["lr_drops"] ?? 0), refit))
    }
    printTestTable(f)
    printColdMetrics(f, prefix: "valid_")
    printColdMetrics(f)
    print(String(format: "  epochs %d, median epoch %.2fs, total training %.1fs", Int(f["epochs_trained"] ?? 0),
                 f["median_epoch_seconds"] ?? 0, f["train_seconds_total"] ?? 0) +
          (f["refit_seconds_total"].map { String(format: " (+ %.1fs refit)", $0) } ?? ""))
}

/// Prints the test metrics of a final metrics entry, one line per cut-off.
func printTestTable(_ f: [String: Double]) {
    print("\nfinal (test split, train items masked):")
    print("  K      recall    ndcg      hit       mrr")
    for k in [20, 50, 100, 200] {
        guard let r = f["recall@\(k)"] else { continue }
        print(String(format: "  %-5d  %.4f    %.4f    %.4f    %.4f", k, r, f["ndcg@\(k)"] ?? 0, f["hit@\(k)"] ?? 0, f["mrr@\(k)"] ?? 0))
    }
}
