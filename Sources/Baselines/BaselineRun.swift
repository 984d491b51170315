import Foundation
import NumCore
import Datasets
import Runs
import Evaluation

/// One baseline fitted and evaluated with the two-tower models' protocol, written as a run
/// directory's `metrics.json` (same shape as a training run's: an empty `epochs` list, the
/// `final` entry with the test metrics and, with a validation split, `valid_*` metrics, and
/// the `run` description).
///
/// The data is loaded exactly as for `esans train` with the same seed and validation share:
/// - with a validation split, the baseline is fitted on the training part and evaluated on
///   validation (training items masked); the test split is then ranked by a refit on all
///   training data (validation included; with `refit` off, by the first fit, the user's
///   validation items added to what it knows), masking training and validation items;
/// - without one, the baseline is fitted on the training split and tested, training items masked.
public struct BaselineRun {
    /// What the run reports as it goes.
    public enum Event {
        /// The data is loaded (and validation carved).
        case loaded(Dataset)
        /// A fit finished: on `"train"` (the training part) or `"train+validation"` (the refit).
        case fitted(on: String, seconds: Double)
        /// An evaluation on `split` has ranked `done` of `of` users: once per block of users,
        /// from the worker threads one at a time (see ``Evaluation/EvaluationProgress``).
        case evaluating(split: String, done: Int, of: Int)
        /// An evaluation finished, on `"validation"` or `"test"`.
        case evaluated(split: String, metrics: RankingMetrics, seconds: Double)
    }

    /// Where the interactions come from.
    public var data: RunConfig.DataSource
    /// Which baseline, with its settings.
    public var settings: BaselineSettings
    /// Share of each user's training items held out for validation (0 = none).
    public var validationFraction: Double = TrainConfig().validationFraction
    /// With validation: rank the test split with a refit on all training data.
    public var refit: Bool = TrainConfig().refit
    /// Seed of any random split and of the validation carving.
    public var seed: UInt64 = 1
    /// Metric cut-offs.
    public var cutoffs: [Int] = TrainConfig().cutoffs
    /// The pool the fit and the evaluation are spread over.
    public var pool: WorkerPool = .shared

    /// A run of `settings` on `data` with the training defaults otherwise.
    public init(data: RunConfig.DataSource, settings: BaselineSettings) {
        self.data = data
        self.settings = settings
    }

    /// Loads the data, fits and evaluates, and returns the metrics log; with a `directory`,
    /// also writes `directory/metrics.json` (atomically; the directory is created only once
    /// the data has loaded).
    @discardableResult
    public func run(writingTo directory: URL? = nil, observe: @escaping (Event) -> Void = { _ in }) throws -> MetricsLog {
        let start = Self.now()
        let ds = try RunConfig.loadDataset(data, seed: seed, validationFraction: validationFraction)
        observe(.loaded(ds))
        let evaluator = FullCorpusEvaluator(cutoffs: cutoffs, pool: pool)
        var final: [String: Double] = [:]
        var (model, fitSeconds) = fit(ds.train)
        observe(.fitted(on: "train", seconds: fitSeconds))
        let known = ds.knownInteractions
        if let validation = ds.validation {
            let (vm, seconds) = Self.evaluate(model, evaluator, history: ds.train, test: validation) { observe(.evaluating(split: "validation", done: $0, of: $1)) }
            observe(.evaluated(split: "validation", metrics: vm, seconds: seconds))
            for (k, x) in vm.values { final["valid_" + k] = x }
            final["valid_fit_seconds"] = fitSeconds
            final["valid_eval_seconds"] = seconds
            if refit {
                (model, fitSeconds) = fit(known)
                observe(.fitted(on: "train+validation", seconds: fitSeconds))
            }
        }
        let (m, seconds) = Self.evaluate(model, evaluator, history: known, test: ds.test) { observe(.evaluating(split: "test", done: $0, of: $1)) }
        observe(.evaluated(split: "test", metrics: m, seconds: seconds))
        for (k, x) in m.values { final[k] = x }
        final["fit_seconds"] = fitSeconds
        final["eval_seconds"] = seconds
        final["seconds_total"] = Self.now() - start

        var log = MetricsLog()
        log.final = final
        log.info = [
            "dataset": ds.name, "users": String(ds.numUsers), "items": String(ds.numItems),
            "train_interactions": String(ds.train.count), "test_interactions": String(ds.test.count),
            "model": "baseline", "baseline": settings.method.rawValue, "seed": String(seed),
            "validation": String(validationFraction), "refit": String(refit), "threads": String(pool.threadCount),
        ].merging(model.settings) { a, _ in a }
        if let directory {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try log.write(to: directory.appendingPathComponent(RunFiles.metrics))
        }
        return log
    }

    /// A fresh baseline fitted on `train`, and the seconds it took.
    private func fit(_ train: Interactions) -> (any Baseline, Double) {
        let t0 = Self.now()
        var model = settings.make()
        model.fit(train, pool: pool)
        return (model, Self.now() - t0)
    }

    /// The full-corpus metrics of `model` on `test`, each user scored from and masked by their
    /// `history` items, and the seconds it took; `progress` sees each finished block of users.
    static func evaluate(_ model: any Baseline, _ evaluator: FullCorpusEvaluator, history: Interactions, test: Interactions,
                         progress: EvaluationProgress? = nil) -> (RankingMetrics, Double) {
        let t0 = now()
        let m = evaluator.evaluate(numItems: history.numItems, train: history, test: test, progress: progress) { user, scores in
            model.score(history: history.items(of: user), into: scores)
        }
        return (m, now() - t0)
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
