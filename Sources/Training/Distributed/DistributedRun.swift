import Foundation
import NumCore
import Datasets
import Models
import Runs
import Sampling
import Evaluation
import Collectives

/// A distributed training run in a directory (`esans train --distributed` under `mpirun`):
/// every rank trains its virtual shards (``DistributedTrainer``), evaluates its share of the
/// users when an evaluation is due (``Evaluation/FullCorpusEvaluator`` over the communicator),
/// and checkpoints its shards after every epoch (``ShardCheckpoint``). Rank 0 alone writes
/// the run's files, laid out as a single-process run's (`config.json`, `metrics.json`,
/// `model.safetensors` at the end, `per_user_test.safetensors`, `embeddings/`), so `esans
/// evaluate`, `export` and `serve` read it as any other; `shards/` holds the checkpoint.
///
/// metrics.json records per epoch the bytes all ranks sent to one another by all-to-all
/// (`bytes_moved`, and `bytes_per_step`), and in its info the virtual shards and ranks.
public final class DistributedRun {
    /// Events reported while the run goes on (rank 0's are printed).
    public enum Event {
        /// The data is loaded: this rank's dataset (its users' part of a sharded directory, or
        /// the whole), and the whole data's training and test interactions.
        case loaded(Dataset, train: Int, test: Int)
        case resumed(fromEpoch: Int)
        case step(epoch: Int, step: Int, of: Int)
        case epochDone(DistributedEpochStats, metrics: RankingMetrics?, evalSeconds: Double)
        case note(String)
    }

    public let directory: URL
    public let config: RunConfig
    public let comm: any Communicator
    private let observe: (Event) -> Void
    /// Stop once this epoch is committed, as a run killed right after it would (tests).
    var stopAfterEpoch: Int? = nil

    /// A run of `config` in `directory` on the ranks of `comm`; `config.training.virtualShards` must be set.
    public init(directory: URL, config: RunConfig, comm: any Communicator, observe: @escaping (Event) -> Void = { _ in }) {
        precondition(config.training.virtualShards != nil, "a distributed run needs its number of virtual shards")
        self.directory = directory
        self.config = config
        self.comm = comm
        self.observe = observe
    }

    private func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Trains (or with `resume` continues from the last committed epoch) and returns the
    /// metrics log; every rank calls it and gets the same log.
    @discardableResult
    public func run(resume: Bool) throws -> MetricsLog {
        let tc = config.training
        let shardCount = tc.virtualShards ?? 1
        if let problem = VirtualShards.problem(count: shardCount, ranks: comm.size) { throw DistributedRunError(problem) }
        if let problem = DistributedTrainer.unsupported(config) { throw DistributedRunError(problem) }
        if tc.threads > 0 { WorkerPool.configure(threads: tc.threads) }
        let data = try DistributedData.load(config, comm: comm)
        let dataset = data.dataset
        observe(.loaded(dataset, train: data.trainCount, test: data.testCount))
        if comm.size > 1, let reason = data.wholeReason { observe(.note("every rank reads the whole data (\(reason))")) }
        let provenance = try RunProvenance(config: config, computingInputsFor: data.fingerprint)
        var notes: [String] = []
        let sampler = try SamplerFactory.make(tc, context: SamplingContext(train: dataset.train, itemCounts: data.itemCounts),
                                              dataset: dataset, dataFingerprint: data.fingerprint, notes: &notes)
        for n in notes { observe(.note(n)) }
        let trainer = DistributedTrainer(dataset: dataset, config: config, sampler: sampler, comm: comm, shardCount: shardCount,
                                         dataFingerprint: data.fingerprint)
        var log = MetricsLog()
        var startEpoch = 1
        let manifest = resume ? try ShardCheckpoint.readManifest(run: directory) : nil
        if resume {
            let saved = try RunConfig.read(from: url(RunFiles.config))
            guard saved.sameRun(as: config) else {
                throw DistributedRunError("--resume: the settings differ from the run's: " + config.differences(from: saved, labels: ("given", "run")).joined(separator: "; "))
            }
        }
        if let manifest {
            try ShardCheckpoint.load(into: trainer, manifest: manifest, run: directory)
            log = try MetricsLog.read(from: url(RunFiles.metrics))
            guard log.epochs.count >= manifest.epoch else {
                throw DistributedRunError("\(url(RunFiles.metrics).path) has \(log.epochs.count) epoch entries, the shards are at epoch \(manifest.epoch)")
            }
            log.epochs = Array(log.epochs.prefix(manifest.epoch))
            log.final = nil
            startEpoch = manifest.epoch + 1
            observe(.resumed(fromEpoch: manifest.epoch))
        } else if comm.isRoot {
            let fm = FileManager.default
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            // A fresh start: the files of an earlier run here must not outlive it.
            for name in [RunFiles.metrics, RunFiles.checkpoint, RunFiles.best, RunFiles.refit, RunFiles.finalModel, RunFiles.perUserTest, ShardCheckpoint.folder]
            where fm.fileExists(atPath: url(name).path) { try fm.removeItem(at: url(name)) }
            try AtomicFile.write(try JSONEncoder.sorted.encode(config), to: url(RunFiles.config))
        }
        comm.barrier()
        log.info = [
            "dataset": dataset.name, "users": String(dataset.numUsers), "items": String(dataset.numItems),
            "train_interactions": String(data.trainCount), "test_interactions": String(data.testCount),
            "sampler": tc.sampler.rawValue, "loss": tc.loss.kind.rawValue, "seed": String(tc.seed), "threads": String(WorkerPool.shared.threadCount),
            "virtual_shards": String(shardCount), "ranks": String(comm.size),
        ]
        let evaluation = DistributedEvaluation(trainer: trainer, data: data, config: tc, comm: comm)
        if let sample = evaluation.users { log.info["eval_users"] = String(sample.count) }
        for e in stride(from: startEpoch, through: tc.epochs, by: 1) {
            var stats = trainer.trainEpoch(e) { s, n in self.observe(.step(epoch: e, step: s, of: n)) }
            stats.peakResidentBytes = comm.allGather([PeakMemory.residentBytes()])
            var entry: [String: Double] = ["epoch": Double(e), "loss": stats.loss, "train_seconds": stats.seconds,
                                           "false_negative_rate": stats.falseNegativeRate,
                                           "learning_rate": Double(trainer.learningRate(epoch: e, step: 0)),
                                           "bytes_moved": Double(stats.bytesMoved), "bytes_per_step": Double(stats.bytesMoved) / Double(stats.steps)]
            for (r, b) in stats.peakResidentBytes.enumerated() { entry["peak_rss_bytes_rank\(r)"] = Double(b) }
            var metrics: RankingMetrics? = nil
            var evalSeconds = 0.0
            if e % max(1, tc.evalEvery) == 0 || tc.endsPlan(e) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let result = evaluation.run()
                for (k, x) in result.values { entry[k] = x }
                metrics = result.metrics
                evalSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                entry["eval_seconds"] = evalSeconds
            }
            log.epochs.append(entry)
            // The log first, then the shards, then the manifest that commits them (see ShardCheckpoint).
            if comm.isRoot { try log.write(to: url(RunFiles.metrics)) }
            try ShardCheckpoint.writeShards(trainer, epoch: e, run: directory)
            comm.barrier()
            if comm.isRoot { try ShardCheckpoint.writeManifest(trainer, epoch: e, run: directory) }
            comm.barrier()
            ShardCheckpoint.removeStale(trainer, keeping: e, run: directory)
            observe(.epochDone(stats, metrics: metrics, evalSeconds: evalSeconds))
            if e == stopAfterEpoch { return log }
        }

        // The final entry: the model's test metrics (every rank its users), user by user too.
        var final = log.epochs.last ?? [:]
        final["learning_rate"] = nil
        let cutoffs = evaluation.evaluator.cutoffs
        let rows = Matrix(rows: dataset.numUsers, cols: 2 * cutoffs.count)
        var vectors: (users: Matrix, items: Matrix)?
        do {
            let result = evaluation.run(perUser: rows)
            for (k, x) in result.values { final[k] = x }
            vectors = result.vectors
        }
        let trainTimes = log.epochs.compactMap { $0["train_seconds"] }.sorted()
        final["epochs_trained"] = Double(log.epochs.count)
        final["train_seconds_total"] = trainTimes.reduce(0, +)
        final["median_epoch_seconds"] = trainTimes.isEmpty ? 0 : trainTimes[trainTimes.count / 2]
        log.final = final
        // Rank 0 writes: the vectors first (then released), then the tables, gathered on it alone
        // (as the model file's two tensors, without building a model beside them).
        if comm.isRoot, let (u, v) = vectors {
            try PerUserMetrics(rows: rows, cutoffs: cutoffs).write(to: url(RunFiles.perUserTest))
            try EmbeddingExport.write(users: u, items: v, dataset: dataset, to: url(RunFiles.embeddings))
        }
        vectors = nil
        if let tables = trainer.gatherTables(here: comm.isRoot) {
            try Checkpoint.save(config: config.model, numUsers: dataset.numUsers, numItems: dataset.numItems,
                                tables: [(trainer.users.name, tables.users), (trainer.items.name, tables.items)],
                                metadata: provenance.metadata.merging([
                                    "esans.epoch": String(log.epochs.count), "esans.seed": String(tc.seed), "esans.dataset": dataset.name,
                                    "esans.virtual_shards": String(shardCount),
                                ]) { _, b in b }, to: url(RunFiles.checkpoint))
        }
        // Peak memory of each rank over the whole run (the final gather, evaluation and writes included).
        log.info["peak_rss_bytes_per_rank"] = comm.allGather([PeakMemory.residentBytes()]).map(String.init).joined(separator: ",")
        if comm.isRoot { try log.write(to: url(RunFiles.metrics)) }
        comm.barrier()
        return log
    }
}

/// A distributed run cannot start: the message says why and what to change.
public struct DistributedRunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
