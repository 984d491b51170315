import Foundation
import NumCore
import Datasets
import Models
import Sampling
import Evaluation

/// A whole training run in a directory: trains epoch by epoch, evaluates, and after every
/// epoch writes `metrics.json` and `model.safetensors` (atomically), so that an interrupted
/// run continues with `resume` and ends exactly where an uninterrupted one would. At the end
/// it exports `embeddings/` (`.npy` + id maps as TSV).
///
/// Layout of `RUNDIR`: `config.json`, `metrics.json`, `model.safetensors`,
/// `embeddings/{user,item}_embeddings.npy`, `embeddings/{user,item}_ids.tsv`.
public final class TrainingRun {
    /// Events reported while the run goes on (the CLI draws progress bars from them).
    public enum Event {
        case loaded(Dataset)
        case resumed(fromEpoch: Int)
        case step(epoch: Int, step: Int, of: Int, loss: Double)
        case epochDone(EpochStats, metrics: RankingMetrics?, evalSeconds: Double)
        case earlyStop(epoch: Int)
        case note(String)
    }

    public let directory: URL
    public let config: RunConfig
    private let observe: (Event) -> Void

    /// A run writing into `directory`.
    public init(directory: URL, config: RunConfig, observe: @escaping (Event) -> Void = { _ in }) {
        self.directory = directory
        self.config = config
        self.observe = observe
    }

    public var checkpointURL: URL { directory.appendingPathComponent("model.safetensors") }
    public var metricsURL: URL { directory.appendingPathComponent("metrics.json") }
    public var configURL: URL { directory.appendingPathComponent("config.json") }

    /// Runs (or, with `resume`, continues) training and returns the final metrics log.
    @discardableResult
    public func run(resume: Bool) throws -> MetricsLog {
        let fm = FileManager.default
        let tc = config.training
        if tc.threads > 0 { WorkerPool.configure(threads: tc.threads) }
        // Load (and validate) the data before touching the run directory: bad input leaves nothing behind.
        let dataset = try config.loadDataset()
        observe(.loaded(dataset))
        guard SamplerFactory.names.contains(tc.sampler) else {
            throw DataError(file: "<options>", line: nil, field: "sampler", message: "unknown sampler '\(tc.sampler)' (known: \(SamplerFactory.names.joined(separator: ", ")))")
        }
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)

        let optimizer = AdamOptimizer(config: config.optimizer)
        var model = TwoTowerModel(config: config.model, numUsers: dataset.numUsers, numItems: dataset.numItems, seed: tc.seed)
        var log = MetricsLog()
        var startEpoch = 1
        if resume, fm.fileExists(atPath: checkpointURL.path) {
            let saved = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: configURL))
            guard saved.sameRun(as: config) else {
                throw TensorIOError(url: configURL, problem: "the run in this directory was made with different settings; use a new --output or the same options to resume")
            }
            let (m, header) = try Checkpoint.load(from: checkpointURL, optimizer: optimizer)
            guard m.numUsers == dataset.numUsers, m.numItems == dataset.numItems else {
                throw TensorIOError(url: checkpointURL, problem: "was trained on \(m.numUsers) users x \(m.numItems) items, the data has \(dataset.numUsers) x \(dataset.numItems)")
            }
            model = m
            let done = Int(header.metadata["esans.epoch"] ?? "0") ?? 0
            log = try MetricsLog.read(from: metricsURL)
            log.epochs = Array(log.epochs.prefix(done))
            log.final = nil
            startEpoch = done + 1
            observe(.resumed(fromEpoch: done))
        } else {
            let data = try JSONEncoder.sorted.encode(config)
            try AtomicFile.write(data, to: configURL)
        }
        log.info = [
            "dataset": dataset.name, "users": String(dataset.numUsers), "items": String(dataset.numItems),
            "train_interactions": String(dataset.train.count), "test_interactions": String(dataset.test.count),
            "sampler": tc.sampler, "seed": String(tc.seed), "threads": String(WorkerPool.shared.threadCount),
        ]

        var samplerNotes: [String] = []
        guard let sampler = try SamplerFactory.make(tc, context: SamplingContext(train: dataset.train), dataset: dataset, notes: &samplerNotes) else {
            throw DataError(file: "<options>", line: nil, field: "sampler", message: "unknown sampler '\(tc.sampler)' (known: \(SamplerFactory.names.joined(separator: ", ")))")
        }
        for n in samplerNotes { observe(.note(n)) }
        let trainer = Trainer(dataset: dataset, model: model, optimizer: optimizer, sampler: sampler, config: tc)
        var bestValidation = -Double.infinity, sinceBest = 0
        var lastMetrics: RankingMetrics? = nil
        var epoch = startEpoch
        while epoch <= tc.epochs {
            let e = epoch
            let stats = trainer.trainEpoch(e) { s, n, loss in self.observe(.step(epoch: e, step: s, of: n, loss: loss)) }
            var entry: [String: Double] = ["epoch": Double(e), "loss": stats.loss, "train_seconds": stats.seconds,
                                           "false_negative_rate": stats.falseNegativeRate]
            var metrics: RankingMetrics? = nil
            var evalSeconds = 0.0
            var stop = false
            if e % max(1, tc.evalEvery) == 0 || e == tc.epochs {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let (u, v) = trainer.encodeAll()
                let evaluator = FullCorpusEvaluator(cutoffs: tc.cutoffs)
                if let val = dataset.validation {
                    let vm = evaluator.evaluate(userVectors: u, itemVectors: v, train: dataset.train, test: val)
                    for (k, x) in vm.values { entry["valid_" + k] = x }
                    let score = vm.values["recall@\(tc.cutoffs[0])"] ?? 0
                    if score > bestValidation { bestValidation = score; sinceBest = 0 } else { sinceBest += 1 }
                    stop = tc.patience > 0 && sinceBest >= tc.patience
                }
                let m = evaluator.evaluate(userVectors: u, itemVectors: v, train: dataset.train, test: dataset.test)
                evalSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                for (k, x) in m.values { entry[k] = x }
                entry["eval_seconds"] = evalSeconds
                metrics = m
                lastMetrics = m
            }
            log.epochs.append(entry)
            try Checkpoint.save(model: model, optimizer: optimizer, metadata: [
                "esans.epoch": String(e), "esans.seed": String(tc.seed), "esans.dataset": dataset.name,
                "esans.run_config": String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self),
            ], to: checkpointURL)
            try log.write(to: metricsURL)
            observe(.epochDone(stats, metrics: metrics, evalSeconds: evalSeconds))
            epoch += 1
            if stop { observe(.earlyStop(epoch: e)); break }
        }

        // Final entry: the last evaluated metrics plus timing summaries.
        var final = log.epochs.last ?? [:]
        if lastMetrics == nil, !log.epochs.isEmpty {
            // Resumed after the last epoch had already finished: evaluate once more.
            let m = trainer.evaluate(on: dataset.test)
            for (k, x) in m.values { final[k] = x }
        }
        let trainTimes = log.epochs.compactMap { $0["train_seconds"] }.sorted()
        final["epochs_trained"] = Double(log.epochs.count)
        final["train_seconds_total"] = trainTimes.reduce(0, +)
        final["median_epoch_seconds"] = trainTimes.isEmpty ? 0 : trainTimes[trainTimes.count / 2]
        log.final = final
        try exportEmbeddings(trainer: trainer, dataset: dataset)
        try log.write(to: metricsURL)
        return log
    }

    /// Writes `embeddings/` for the trained model.
    private func exportEmbeddings(trainer: Trainer, dataset: Dataset) throws {
        let (u, v) = trainer.encodeAll()
        try EmbeddingExport.write(users: u, items: v, dataset: dataset,
                                  to: directory.appendingPathComponent("embeddings"))
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
