import ArgumentParser
import Foundation
import NumCore
import Runs
import Evaluation
import Baselines

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Fit a non-learned baseline (most popular, item-KNN) and evaluate it exactly as a trained model.",
        discussion: """
        The data, the validation split (--validation, carved with --seed as for `esans train`), the \
        masking and the metrics are those of a training run. With a validation split the baseline is \
        fitted on the rest of the training data and evaluated on validation, then refitted on all \
        training data for the test split (--no-refit: the first fit ranks the test split). Writes \
        OUTPUT/metrics.json with the same final entry as a training run (test recall@K, ndcg@K, hit@K, \
        mrr@K; valid_* with validation; fit_seconds, eval_seconds).
        """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Baseline: \(BaselineMethod.acceptedNames) (pop: training count of the item; itemknn: cosine item-item similarity).")
    var method: BaselineMethod
    @Option(help: "itemknn: neighbours kept per item (default \(ItemKNN.defaultNeighbors)).") var neighbors: Int?
    @Option(help: "itemknn: shrinkage added to the cosine's denominator (default \(ItemKNN.defaultShrink)).") var shrink: Double?
    @Option(help: "Share of each user's training items held out for validation (0 = none).") var validation = TrainConfig().validationFraction
    @Flag(inversion: .prefixedNo, help: "With validation: rank the test split with a refit on all training data.") var refit = TrainConfig().refit
    @Option(help: "Random seed (random splits and the validation carving).") var seed: UInt64 = 1
    @Option(help: "Threads (0 = all cores).") var threads = 0
    @Option(help: "Output directory (metrics.json).") var output: String
    @Flag(help: "Replace the metrics of an earlier baseline run in --output.") var force = false

    func validate() throws {
        try dataOptions.requireData()
        if method != .itemknn && (neighbors != nil || shrink != nil) {
            throw ValidationError("--neighbors and --shrink apply to --method itemknn only")
        }
        if let problem = settings.problems().first { throw ValidationError(problem) }
        guard (0..<1).contains(validation) else { throw ValidationError("--validation must lie in [0, 1)") }
        guard threads >= 0 else { throw ValidationError("--threads must not be negative") }
    }

    var settings: BaselineSettings {
        var s = BaselineSettings(method: method)
        if let neighbors { s.neighbors = neighbors }
        if let shrink { s.shrink = shrink }
        return s
    }

    func run() throws {
        let directory = URL(fileURLWithPath: output)
        let fm = FileManager.default
        if fm.fileExists(atPath: directory.appendingPathComponent(RunFiles.config).path) {
            throw ValidationError("\(output) holds a training run (\(RunFiles.config)); use another --output")
        }
        if !force && fm.fileExists(atPath: directory.appendingPathComponent(RunFiles.metrics).path) {
            throw ValidationError("\(output) already holds \(RunFiles.metrics); use --force to replace it, or another --output")
        }
        if threads > 0 { WorkerPool.configure(threads: threads) }
        var run = BaselineRun(data: try dataOptions.source(), settings: settings)
        run.validationFraction = validation
        run.refit = refit
        run.seed = seed
        run.pool = .shared
        let evaluations = StageProgress()
        let log = try run.run(writingTo: directory) { event in
            switch event {
            case .evaluating(let split, let done, let of):
                evaluations.update("evaluating " + (split == "validation" ? "valid" : split), done: done, total: of, unit: "users")
            case .loaded(let ds):
                print("data: \(ds.name): \(ds.numUsers) users, \(ds.numItems) items, \(ds.train.count) train, \(ds.test.count) test" +
                      (ds.validation.map { ", \($0.count) validation" } ?? ""))
                for n in ds.notes { print("note: \(n)") }
            case .fitted(let on, let seconds):
                print(String(format: "%@ fitted on %@ in %.2fs", settings.method.label, on, seconds))
            case .evaluated(let split, let m, let seconds):
                print(String(format: "%@: recall@20 %.4f  ndcg@20 %.4f  recall@50 %.4f  (%d users, %.2fs)", split,
                             m.values["recall@20"] ?? 0, m.values["ndcg@20"] ?? 0, m.values["recall@50"] ?? 0, m.usersEvaluated, seconds))
            }
        }
        if let f = log.final {
            printTestTable(f)
            print(String(format: "  fit %.2fs, evaluation %.2fs, total %.2fs (%d threads)", f["fit_seconds"] ?? 0, f["eval_seconds"] ?? 0,
                         f["seconds_total"] ?? 0, WorkerPool.shared.threadCount))
        }
        print("wrote \(directory.appendingPathComponent(RunFiles.metrics).path)")
    }
}
