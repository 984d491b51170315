import ArgumentParser
import Runs
import Foundation
import Datasets
import Evaluation
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a two-tower model and evaluate it on the full corpus after each epoch.",
        discussion: """
        Writes OUTPUT/config.json, OUTPUT/metrics.json (per-epoch and final Recall/NDCG/HitRate/MRR at \
        20, 50, 100, 200 and timings), OUTPUT/model.safetensors (model + optimiser, after every epoch) \
        and OUTPUT/embeddings/ (.npy vectors and id maps). --resume continues an interrupted run. \
        --sampler esans without --semantic-ids fits MSAC semantic IDs with the default settings into \
        OUTPUT/msac (the modalities the data has: behaviour, structured from a .item file, text when the \
        MiniLM weights are in the cache) and reuses them when the run is resumed or repeated on the same data. \
        --config FILE reads the settings from a JSON file in the shape of config.json (an earlier run's \
        config.json is one; any part may be left out and takes the default): the options given on the command \
        line override its values. A key or a value esans does not know fails, naming it and the accepted ones.
        """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var training: TrainingOptions
    @Option(name: .customLong("config"), help: ArgumentHelp("Run settings file (JSON in the shape of config.json, e.g. an earlier run's); the options given override its values.", valueName: "file"))
    var configFile: String?
    @Option(help: "Run directory.") var output: String
    @Flag(help: "Continue the run in --output from its last finished epoch.") var resume = false
    @Flag(help: "Replace a run already in --output (without it, an existing run is never overwritten).") var force = false

    /// Without a settings file every setting is known while parsing: check them all here, so
    /// that a problem is reported with this command's usage.
    func validate() throws {
        if configFile == nil {
            try dataOptions.requireData()
            _ = try training.runConfig(data: dataOptions.source())
        }
    }

    /// The run's settings: the recipe's defaults or the settings file, with the options given
    /// applied over them.
    func runConfig() throws -> RunConfig {
        guard let configFile else { return try training.runConfig(data: dataOptions.source()) }
        let file = try RunSettingsFile.read(from: URL(fileURLWithPath: configFile), dataPath: dataOptions.data)
        var base = file
        base.data = try dataOptions.source(over: file.data)
        return try training.runConfig(over: base)
    }

    func run() throws {
        var config = try runConfig()
        let existing = URL(fileURLWithPath: output).appendingPathComponent(RunFiles.config)
        if !resume && !force && FileManager.default.fileExists(atPath: existing.path) {
            throw ValidationError("\(output) already holds a run (\(RunFiles.config)); use --resume to continue it, --force to replace it, or another --output")
        }
        // ESANS without --semantic-ids: the default MSAC fit in OUTPUT/msac (made once, then reused).
        try DefaultSemanticIDs.fillIn(&config, output: URL(fileURLWithPath: output), resuming: resume) { print($0) }
        let log = try runTraining(config, output: output, resume: resume)
        printFinal(log)
    }
}

/// Runs training with progress output; shared by `train` and `demo`.
func runTraining(_ config: RunConfig, output: String, resume: Bool, quiet: Bool = false) throws -> MetricsLog {
    var bar: ProgressBar? = nil
    var validation: (metrics: RankingMetrics, best: Bool)? = nil
    var refitting = false
    // Whole-phase ETA: the mean time of the epochs done so far times the epochs left (early
    // stopping can only make it shorter).
    var phaseStart = Date(), phaseDone = 0, phaseTotal = config.training.epochs, firstEpoch = 1
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
                if phaseDone == 0 { phaseStart = Date(); firstEpoch = epoch }
                let left = phaseDone > 0 ? Date().timeIntervalSince(phaseStart) / Double(phaseDone) * Double(phaseTotal - (epoch - 1)) : 0
                bar = ProgressBar(total: of, label: (refitting ? "refit epoch" : "epoch") + " \(epoch)/\(phaseTotal)" +
                                  (phaseDone > 0 ? " (\(refitting ? "refit" : "run") ETA \(ProgressBar.clock(left)))" : ""), unit: "steps")
            }
            bar?.update(step, suffix: String(format: "loss %.4f", loss))
        case .epochDone(let stats, let metrics, let evalSeconds):
            phaseDone = stats.epoch - firstEpoch + 1
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
            phaseDone = 0; phaseTotal = epochs
            if !quiet { print("refit on all training data (validation included) for \(epochs) epochs") }
        }
    }
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
