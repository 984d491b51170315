import Foundation
import Runs
import NumCore
import Datasets
import Models
import Sampling
import Evaluation

/// A whole training run in a directory: trains epoch by epoch, evaluates, and after every
/// epoch writes `metrics.json` and `model.safetensors` (atomically), so that an interrupted
/// run continues with `resume` and ends exactly where an uninterrupted one would; `resume` with
/// more epochs than planned extends the run (``RunResumption``, ``Runs/RunExtension``). At the
/// end it exports `embeddings/` (`.npy` + id maps as TSV).
///
/// With a validation split, every choice is made on it: the best evaluation is kept in
/// `best.safetensors`, the plateau schedule drops the learning rate (reloading the best
/// weights), training stops early, and the test split is evaluated once, on the selected
/// weights (or on a refit of them on all training data, with `refit`).
///
/// Layout of `RUNDIR`: `config.json`, `metrics.json`, `model.safetensors`, `best.safetensors`,
/// `refit.safetensors`, `embeddings/{user,item}_embeddings.npy`, `embeddings/{user,item}_ids.tsv`.
public final class TrainingRun {
    /// Events reported while the run goes on (the CLI draws progress bars from them).
    public enum Event {
        case loaded(Dataset)
        case resumed(fromEpoch: Int)
        case step(epoch: Int, step: Int, of: Int, loss: Double)
        case epochDone(EpochStats, metrics: RankingMetrics?, evalSeconds: Double)
        /// A full-corpus evaluation of `split` (`"valid"` or `"test"`) has ranked `done` of `of`
        /// users: once per block of users, from the worker threads one at a time (see
        /// ``Evaluation/EvaluationProgress``).
        case evaluating(split: String, done: Int, of: Int)
        /// A validation evaluation (its metrics, and whether it is the best so far).
        case validated(epoch: Int, metrics: RankingMetrics, best: Bool)
        /// The plateau schedule dropped the learning rate after `epoch` and reloaded `bestEpoch`.
        case learningRateDropped(epoch: Int, learningRate: Float, bestEpoch: Int)
        case earlyStop(epoch: Int)
        /// Refit on all training data starts, for `epochs` epochs.
        case refitStarted(epochs: Int)
        /// The ESANS clusters were refitted on the item tower's vectors (`--refresh-clusters`).
        case clustersRefreshed(ClusterRefreshOutcome)
        case note(String)
    }

    public let directory: URL
    /// The run's settings: those given, and on `resume` with the run's extensions (and a new
    /// one when the run is extended now, see ``RunResumption``).
    public private(set) var config: RunConfig
    private let observe: (Event) -> Void
    /// The cluster refresher of the main phase, when the run refreshes its clusters.
    private var refresher: ClusterRefresher?

    /// What the run's model files are built from (data fingerprint, settings, input files).
    private var provenance: RunProvenance?
    /// The towers' side features (none for a run on IDs alone).
    private var side = SideFeatures()

    /// The memory a run may need at its peak, in bytes (default: the machine's physical
    /// memory); nil skips the check. A run whose ``TrainingMemoryEstimate`` exceeds it is
    /// refused with a ``Runs/MemoryLimitError`` once the data is loaded, before its model and
    /// samplers are allocated and before anything is written.
    public var memoryLimit: UInt64? = TrainingMemoryEstimate.physicalMemory

    /// A run writing into `directory`.
    public init(directory: URL, config: RunConfig, observe: @escaping (Event) -> Void = { _ in }) {
        self.directory = directory
        self.config = config
        self.observe = observe
    }

    public var checkpointURL: URL { directory.appendingPathComponent(RunFiles.checkpoint) }
    public var bestURL: URL { directory.appendingPathComponent(RunFiles.best) }
    public var refitURL: URL { directory.appendingPathComponent(RunFiles.refit) }
    /// The model the run reports (the selected weights, or their refit), written at the end
    /// of a run with a validation split; `evaluate`, `export`, `index` and `serve` read it.
    public var finalURL: URL { directory.appendingPathComponent(RunFiles.finalModel) }
    public var metricsURL: URL { directory.appendingPathComponent(RunFiles.metrics) }
    public var configURL: URL { directory.appendingPathComponent(RunFiles.config) }
    /// The files a run writes beside `config.json`, which a new run in the same directory
    /// removes first so that none of the old run's outlives it.
    var runFiles: [URL] {
        let embeddings = directory.appendingPathComponent(RunFiles.embeddings)
        return [bestURL, refitURL, finalURL, metricsURL, checkpointURL, directory.appendingPathComponent(RunFiles.perUserTest)]
            + EmbeddingExport.fileNames.map { embeddings.appendingPathComponent($0) }
    }

    /// Runs (or, with `resume`, continues) training and returns the final metrics log. With
    /// `resume` and more epochs than the run was planned for, the run is extended (see
    /// ``RunResumption``); other settings than the run's are refused before anything is written.
    @discardableResult
    public func run(resume: Bool) throws -> MetricsLog {
        let fm = FileManager.default
        let resumption = resume ? try RunResumption.plan(config: config, directory: directory) : nil
        if let resumption { config = resumption.config }
        let tc = config.training
        if tc.threads > 0 { WorkerPool.configure(threads: tc.threads) }
        // Load (and validate) the data before touching the run directory: bad input leaves nothing behind.
        let dataset = try config.loadDataset()
        observe(.loaded(dataset))
        if let memoryLimit {
            let estimate = TrainingMemoryEstimate(sizes: TrainingMemoryEstimate.sizes(of: dataset, source: config.data), config: config)
            if estimate.peakBytes > Double(memoryLimit) { throw MemoryLimitError(estimate: estimate, limit: memoryLimit) }
        }
        side = try Self.prepareSideFeatures(&config, dataset: dataset, resuming: (resumption?.doneEpochs ?? 0) > 0) { self.observe(.note($0)) }
        provenance = try RunProvenance(config: config, dataset: dataset)
        var samplerNotes: [String] = []
        let context = SamplingContext(train: dataset.train)
        let sampler = try SamplerFactory.make(tc, context: context, dataset: dataset, notes: &samplerNotes)
        refresher = tc.refreshesClusters ? try ClusterRefresher(config: tc, dataset: dataset) : nil
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        // Temporary files of writes a killed process never finished (the files they were
        // replacing are intact); a resumed run is the next writer here.
        let stale = [directory, directory.appendingPathComponent(RunFiles.embeddings)].flatMap { AtomicFile.removeStaleTemporaries(in: $0) }
        if !stale.isEmpty { observe(.note("removed \(stale.count) temporary file(s) of writes interrupted earlier (\(stale.joined(separator: ", ")))")) }

        let optimizer = AdamOptimizer(config: config.optimizer)
        let model = TwoTowerModel(config: config.model, numUsers: dataset.numUsers, numItems: side.itemRows(dataset), seed: tc.seed)
        side.install(into: model, train: dataset.train)
        let trainer = Trainer(dataset: dataset, model: model, optimizer: optimizer, sampler: sampler, config: tc)
        trainer.itemIDDropout = config.features.itemIDDropout
        trainer.avoidColdNegatives()
        var log = MetricsLog()
        var selection = ModelSelection()
        var startEpoch = 1
        if let resumption, resumption.doneEpochs > 0 {
            let (header, extras) = try restore(into: model, optimizer: optimizer, from: checkpointURL)
            try trainer.loss.restore(Self.lossState(extras))
            if let refresher, try refresher.restore(extras) { trainer.sampler = refresher.sampler(tc, context: context) }
            let done = Int(header.metadata["esans.epoch"] ?? "0") ?? 0
            if let json = header.metadata["esans.selection"] {
                selection = try JSONDecoder().decode(ModelSelection.self, from: Data(json.utf8))
            }
            log = try MetricsLog.read(from: metricsURL)
            // metrics.json is written before the checkpoint of each epoch, so it holds at least
            // the checkpoint's epochs (more when a run was killed between the two writes: those
            // epochs are trained again). Fewer would leave a hole in the log: refuse it.
            guard log.epochs.count >= done else {
                throw TensorIOError(url: metricsURL, problem: "has \(log.epochs.count) epoch entries but \(RunFiles.checkpoint) is at epoch \(done) (written by an esans that saved the checkpoint first, and killed in between); the epochs' metrics are lost: start the run again with --force")
            }
            log.epochs = Array(log.epochs.prefix(done))
            log.final = nil
            startEpoch = done + 1
            observe(.resumed(fromEpoch: done))
            if let note = resumption.note {
                // Extended: the settings say so from now on, and the refit and final model of
                // the shorter run are made again.
                try AtomicFile.write(try JSONEncoder.sorted.encode(config), to: configURL)
                for url in [refitURL, finalURL] where fm.fileExists(atPath: url.path) { try fm.removeItem(at: url) }
                observe(.note(note))
            }
        } else {
            // A fresh start: files of an earlier run in this directory must not outlive it.
            if fm.fileExists(atPath: configURL.path) {
                for url in runFiles where fm.fileExists(atPath: url.path) { try fm.removeItem(at: url) }
            }
            let data = try JSONEncoder.sorted.encode(config)
            try AtomicFile.write(data, to: configURL)
        }
        log.info = [
            "dataset": dataset.name, "users": String(dataset.numUsers), "items": String(dataset.numItems),
            "train_interactions": String(dataset.train.count), "test_interactions": String(dataset.test.count),
            "sampler": tc.sampler.rawValue, "loss": tc.loss.kind.rawValue, "seed": String(tc.seed), "threads": String(WorkerPool.shared.threadCount),
        ]
        log.info.merge(Self.featureInfo(config, side)) { _, b in b }
        for n in samplerNotes { observe(.note(n)) }
        let validating = dataset.validation != nil
        if tc.lrSchedule == .plateau && !validating {
            observe(.note("the plateau schedule needs a validation split (--validation): the learning rate stays constant"))
        }
        let evaluator = FullCorpusEvaluator(cutoffs: tc.cutoffs)
        // Each epoch's validation needs only the selection metric's cut-off: a top-20 per user
        // costs about a third less than a top-200. The selected weights get every cut-off.
        let validator = FullCorpusEvaluator(cutoffs: [tc.cutoffs[0]])
        let metricKey = "recall@\(tc.cutoffs[0])"
        var epoch = startEpoch
        while epoch <= tc.epochs && !selection.finished {
            let e = epoch
            trainer.plateauScale = Self.levelScale(selection.level, factor: tc.plateauFactor)
            let stats = trainer.trainEpoch(e) { s, n, loss in self.observe(.step(epoch: e, step: s, of: n, loss: loss)) }
            selection.epochTrained()
            var entry: [String: Double] = ["epoch": Double(e), "loss": stats.loss, "train_seconds": stats.seconds,
                                           "false_negative_rate": stats.falseNegativeRate,
                                           "learning_rate": Double(trainer.learningRate(epoch: e, step: 0))]
            var metrics: RankingMetrics? = nil
            var evalSeconds = 0.0
            if e % max(1, tc.evalEvery) == 0 || tc.endsPlan(e) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let (u, v) = trainer.encodeAll()
                if let val = dataset.validation {
                    let vm = validator.evaluate(userVectors: u, itemVectors: v, train: dataset.train, test: val, progress: evaluating("valid"))
                    for (k, x) in vm.values { entry["valid_" + k] = x }
                    for (k, x) in trainer.evaluateColdValidation(cutoffs: tc.cutoffs)?.values(prefix: "valid_") ?? [:] { entry[k] = x }
                    let plateau = tc.lrSchedule == .plateau
                    let decision = selection.observe(epoch: e, score: vm.values[metricKey] ?? 0,
                                                     patience: plateau ? tc.plateauPatience : tc.patience,
                                                     maxDrops: plateau ? tc.plateauDrops : 0)
                    observe(.validated(epoch: e, metrics: vm, best: decision == .improved))
                    switch decision {
                    case .improved:
                        try saveCheckpoint(trainer, epoch: e, selection: selection, dataset: dataset, to: bestURL)
                    case .dropLearningRate:
                        let (_, extras) = try restore(into: model, optimizer: optimizer, from: bestURL)
                        try trainer.loss.restore(Self.lossState(extras))
                        entry["lr_drop"] = 1
                        observe(.learningRateDropped(epoch: e, learningRate: config.optimizer.learningRate * Self.levelScale(selection.level, factor: tc.plateauFactor),
                                                     bestEpoch: selection.bestEpoch))
                    case .stop, .keepGoing:
                        break
                    }
                }
                if !validating || tc.testEveryEvaluation {
                    let m = evaluator.evaluate(userVectors: u, itemVectors: v, train: trainer.knownInteractions, test: dataset.test, progress: evaluating("test"))
                    for (k, x) in m.values { entry[k] = x }
                    metrics = m
                }
                evalSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                entry["eval_seconds"] = evalSeconds
            }
            if let refresher, refresher.isDue(after: e, lastEpoch: tc.epochs), !tc.endsPlan(e) {
                let outcome = refreshClusters(refresher, trainer: trainer, context: context, epoch: e)
                for (k, x) in outcome.metrics { entry[k] = x }
            }
            log.epochs.append(entry)
            // The log first, then the checkpoint: a run killed between the two resumes from the
            // previous checkpoint, drops the extra entry and trains the epoch again. The other
            // order would lose the epoch's entry.
            try log.write(to: metricsURL)
            try saveCheckpoint(trainer, epoch: e, selection: selection, dataset: dataset, to: checkpointURL)
            observe(.epochDone(stats, metrics: metrics, evalSeconds: evalSeconds))
            epoch += 1
            if selection.finished { observe(.earlyStop(epoch: e)) }
        }

        // The final entry: test metrics of the selected weights, plus timing summaries.
        var final = log.epochs.last ?? [:]
        for key in final.keys where key.hasPrefix("valid_") || key == "lr_drop" || key == "learning_rate" { final[key] = nil }
        var exported = trainer
        if validating, selection.bestEpoch > 0 {
            let (_, extras) = try restore(into: model, optimizer: optimizer, from: bestURL)
            try trainer.loss.restore(Self.lossState(extras))
            final["selected_epoch"] = Double(selection.bestEpoch)
            // The validation metrics of the selected weights at every cut-off, beside the test
            // metrics below.
            if let val = dataset.validation {
                let (u, v) = trainer.encodeAll()
                for (k, x) in evaluator.evaluate(userVectors: u, itemVectors: v, train: dataset.train, test: val, progress: evaluating("valid")).values {
                    final["valid_" + k] = x
                }
                for (k, x) in trainer.evaluateColdValidation(cutoffs: tc.cutoffs)?.values(prefix: "valid_") ?? [:] { final[k] = x }
            }
            final["lr_drops"] = Double(selection.drops.count)
            log.info["selected_on"] = "valid_" + metricKey
            log.info["lr_drops_after_epochs"] = selection.drops.map(String.init).joined(separator: ",")
            if tc.refit {
                let (t, seconds) = try refit(lineage: selection.bestLineage, resume: resume)
                exported = t
                final["refit_epochs"] = Double(selection.bestLineage.reduce(0, +))
                final["refit_seconds_total"] = seconds
            }
        }
        // The reported model's test metrics, user by user (for paired significance tests) and
        // averaged; without validation they equal the last epoch's evaluation.
        if !log.epochs.isEmpty {
            let (m, perUser) = exported.evaluateTestPerUser(progress: evaluating("test"))
            for (k, x) in m.values { final[k] = x }
            if let (cold, withoutFeatures) = exported.evaluateColdTest(extraItemIDs: side.extraItemIDs, cutoffs: tc.cutoffs) {
                for (k, x) in cold.values() { final[k] = x }
                if withoutFeatures > 0 { final["cold_interactions_without_features"] = Double(withoutFeatures) }
            }
            try perUser.write(to: directory.appendingPathComponent(RunFiles.perUserTest))
        }
        let trainTimes = log.epochs.compactMap { $0["train_seconds"] }.sorted()
        final["epochs_trained"] = Double(log.epochs.count)
        final["train_seconds_total"] = trainTimes.reduce(0, +)
        final["median_epoch_seconds"] = trainTimes.isEmpty ? 0 : trainTimes[trainTimes.count / 2]
        log.final = final
        if validating {
            try Checkpoint.save(model: exported.model, optimizer: nil, metadata: provenanceMetadata.merging([
                "esans.selected_epoch": String(selection.bestEpoch), "esans.refit": tc.refit ? "1" : "0",
                "esans.run_config": String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self),
            ]) { _, b in b }, to: finalURL)
        }
        try exportEmbeddings(trainer: exported, dataset: exported.dataset)
        try log.write(to: metricsURL)
        return log
    }

    /// Trains a new model on all training data (validation included) for the epochs of
    /// `lineage` at each learning-rate level, checkpointing to `refit.safetensors`.
    private func refit(lineage: [Int], resume: Bool) throws -> (trainer: Trainer, seconds: Double) {
        var full = config
        full.training.validationFraction = 0
        let tc = full.training
        let dataset = try full.loadDataset()
        var notes: [String] = []
        let sampler = try SamplerFactory.make(tc, context: SamplingContext(train: dataset.train), dataset: dataset, notes: &notes)
        let optimizer = AdamOptimizer(config: full.optimizer)
        let model = TwoTowerModel(config: full.model, numUsers: dataset.numUsers, numItems: side.itemRows(dataset), seed: tc.seed)
        side.install(into: model, train: dataset.train)
        let trainer = Trainer(dataset: dataset, model: model, optimizer: optimizer, sampler: sampler, config: tc)
        trainer.itemIDDropout = full.features.itemIDDropout
        trainer.avoidColdNegatives()
        let clusters = tc.refreshesClusters ? try ClusterRefresher(config: tc, dataset: dataset) : nil
        let context = SamplingContext(train: dataset.train)
        let total = lineage.reduce(0, +)
        var done = 0
        var seconds = 0.0
        if resume, FileManager.default.fileExists(atPath: refitURL.path) {
            let (header, extras) = try restore(into: model, optimizer: optimizer, from: refitURL)
            try trainer.loss.restore(Self.lossState(extras))
            if let clusters, try clusters.restore(extras) { trainer.sampler = clusters.sampler(tc, context: context) }
            done = Int(header.metadata["esans.refit_epoch"] ?? "0") ?? 0
            seconds = Double(header.metadata["esans.refit_seconds"] ?? "0") ?? 0
        }
        observe(.refitStarted(epochs: total))
        var epoch = 0
        for (level, count) in lineage.enumerated() {
            for _ in 0..<count {
                epoch += 1
                if epoch <= done { continue }
                trainer.plateauScale = Self.levelScale(level, factor: tc.plateauFactor)
                let e = epoch
                let stats = trainer.trainEpoch(e) { s, n, loss in self.observe(.step(epoch: e, step: s, of: n, loss: loss)) }
                seconds += stats.seconds
                if let clusters, clusters.isDue(after: e, lastEpoch: total) {
                    _ = refreshClusters(clusters, trainer: trainer, context: context, epoch: e)
                }
                try Checkpoint.save(model: model, optimizer: optimizer, metadata: provenanceMetadata.merging([
                    "esans.refit_epoch": String(e), "esans.seed": String(tc.seed), "esans.refit_seconds": String(seconds),
                ]) { _, b in b }, extras: Self.checkpointExtras(trainer, clusters), to: refitURL)
                observe(.epochDone(stats, metrics: nil, evalSeconds: 0))
            }
        }
        return (trainer, seconds)
    }

    /// Reports an evaluation of `split` as ``Event/evaluating(split:done:of:)`` events.
    private func evaluating(_ split: String) -> EvaluationProgress {
        { [observe] done, total in observe(.evaluating(split: split, done: done, of: total)) }
    }

    /// The learning-rate multiplier at plateau level `level`.
    static func levelScale(_ level: Int, factor: Float) -> Float {
        var s: Float = 1
        for _ in 0..<level { s *= factor }
        return s
    }

    /// Refits the clusters on the current item tower and hands the trainer a sampler on them.
    private func refreshClusters(_ refresher: ClusterRefresher, trainer: Trainer, context: SamplingContext, epoch: Int) -> ClusterRefreshOutcome {
        let outcome = refresher.refresh(itemVectors: TwoTowerModel.encodeAll(trainer.model.itemTower, count: trainer.dataset.numItems), epoch: epoch)
        trainer.sampler = refresher.sampler(trainer.config, context: context)
        observe(.clustersRefreshed(outcome))
        return outcome
    }

    /// What a checkpoint carries beside the weights: the loss's state and the refreshed clusters.
    private static func checkpointExtras(_ trainer: Trainer, _ clusters: ClusterRefresher?) -> [String: [Float]] {
        prefixed(trainer.loss.state()).merging(clusters?.state ?? [:]) { a, _ in a }
    }

    private static func prefixed(_ state: [String: [Float]]) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: state.map { ("loss." + $0.key, $0.value) })
    }

    private static func lossState(_ extras: [String: [Float]]) -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (k, v) in extras where k.hasPrefix("loss.") { out[String(k.dropFirst(5))] = v }
        return out
    }

    /// Saves the trainer's model, optimiser and loss state with the run's metadata.
    private func saveCheckpoint(_ trainer: Trainer, epoch: Int, selection: ModelSelection, dataset: Dataset, to url: URL) throws {
        try Checkpoint.save(model: trainer.model, optimizer: trainer.optimizer, metadata: provenanceMetadata.merging([
            "esans.epoch": String(epoch), "esans.seed": String(config.training.seed), "esans.dataset": dataset.name,
            "esans.run_config": String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self),
            "esans.selection": String(decoding: try JSONEncoder.sorted.encode(selection), as: UTF8.self),
        ]) { _, b in b }, extras: Self.checkpointExtras(trainer, refresher), to: url)
    }

    /// The provenance entries every model file of the run carries.
    private var provenanceMetadata: [String: String] {
        var m = provenance?.metadata ?? [:]
        if !side.extraItemIDs.isEmpty { m[SideFeatureSettings.extraItemsKey] = SideFeatureSettings.encodeExtraItems(side.extraItemIDs) }
        return m
    }

    /// Restores a checkpoint of this run, refusing one built from other data, settings or
    /// input files; a file without checksums or provenance (an older esans) gets a note.
    private func restore(into model: TwoTowerModel, optimizer: AdamOptimizer?, from url: URL) throws -> (header: Checkpoint.Header, extras: [String: [Float]]) {
        let restored = try Checkpoint.restore(into: model, optimizer: optimizer, from: url)
        if !restored.header.checksummed {
            observe(.note("\(url.path): no checksum (written by an older esans): not verified"))
        }
        if let provenance, let note = try provenance.check(restored.header.metadata, file: url) { observe(.note(note)) }
        return restored
    }

    /// Writes `embeddings/` for the trained model.
    private func exportEmbeddings(trainer: Trainer, dataset: Dataset) throws {
        let (u, _) = trainer.encodeAll(histories: trainer.knownInteractions)
        try EmbeddingExport.write(users: u, items: trainer.encodeCatalogue(), dataset: dataset, extraItemIDs: side.extraItemIDs,
                                  to: directory.appendingPathComponent(RunFiles.embeddings))
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys and pretty printing (stable files, readable diffs).
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }
}
