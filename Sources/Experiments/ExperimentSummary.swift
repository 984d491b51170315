import Foundation
import Runs
import Training

/// The aggregated results of one variant over its seeds.
public struct VariantSummary: Sendable {
    /// The variant's name and display label.
    public var name: String, label: String
    /// Final-entry metrics (`recall@K`, `ndcg@K`) over seeds.
    public var metrics: [String: MetricStats]
    /// Relative change of each metric's mean against the baseline's mean (absent for the
    /// baseline itself being 0, or when the plan has no baseline).
    public var relativeChange: [String: Double]
    /// Per-run median training seconds per epoch, and their mean over seeds.
    public var trainSecondsPerEpoch: MetricStats
    /// Per-run training seconds in all (every epoch, and the refit when there was one; no
    /// evaluation), over seeds: the cost axis of the quality-per-cost chart.
    public var trainSecondsTotal: MetricStats
    /// Share of sampled negatives that were test items of the user, averaged over epochs and seeds.
    public var falseNegativeRate: Double
    /// Recall@50 per epoch, averaged over the seeds that evaluated that epoch: (epoch, mean).
    public var recallCurve: [(epoch: Int, value: Double)]
    /// Seeds aggregated, in order.
    public var seeds: [UInt64]
    /// Paired tests against the baseline by metric (see ``ExperimentSummary/addSignificance(perUser:)``).
    public var significance: [String: PairedTest] = [:]
}

/// Results of a whole plan, aggregated from each run's ``MetricsLog``.
///
/// - Metrics: mean and sample sd over seeds of the final entry's `recall@K` and `ndcg@K`, and
///   of `valid_recall@K` and `valid_ndcg@K` when the runs held out a validation split.
/// - Relative change: (mean - baseline mean) / baseline mean.
/// - Training speed: median of a run's per-epoch `train_seconds`, then the mean over seeds;
///   training cost: `train_seconds_total` plus `refit_seconds_total` of a run (the sum of its
///   epochs' `train_seconds` for older logs), over seeds.
/// - False-negative rate: mean of the per-epoch `false_negative_rate` over epochs and seeds.
/// - Curve: per-epoch `recall@50` (the curve metric), mean over seeds; `valid_recall@50` when
///   the runs held out a validation split (their test split is evaluated once, at the end).
public struct ExperimentSummary: Sendable {
    /// The plan's title, baseline and notes.
    public var title: String, baseline: String?, notes: [String]
    /// Cut-offs reported.
    public var cutoffs: [Int]
    /// One summary per variant, in plan order.
    public var variants: [VariantSummary]
    /// The metric drawn per epoch.
    public var curveMetric: String

    /// Prefix of the validation metrics in a run's metrics.json (`valid_recall@50`).
    public static let validationPrefix = "valid_"

    /// Whether every variant has validation metrics (its runs held out a validation split).
    public var hasValidation: Bool {
        !variants.isEmpty && variants.allSatisfy { $0.metrics[Self.validationPrefix + "recall@\(cutoffs[0])"] != nil }
    }

    /// The reported metric names, `recall@K` then `ndcg@K` for each cut-off.
    public var metricNames: [String] {
        cutoffs.map { "recall@\($0)" } + cutoffs.map { "ndcg@\($0)" }
    }

    /// Aggregates `logs` (one per run of `plan`; every run must be present and finished).
    public init(plan: ExperimentPlan, logs: [RunKey: MetricsLog], cutoffs: [Int] = [20, 50, 100, 200],
                curveMetric: String = "recall@50") throws {
        title = plan.title
        baseline = plan.baseline
        notes = plan.notes
        self.cutoffs = cutoffs
        let testNames = cutoffs.map { "recall@\($0)" } + cutoffs.map { "ndcg@\($0)" }
        // Validation metrics (runs with --validation) are kept too, for choosing settings.
        let names = testNames + testNames.map { Self.validationPrefix + $0 }
        var out: [VariantSummary] = []
        var curve = plan.base.training.validationFraction > 0 ? Self.validationPrefix + curveMetric : curveMetric
        // Each epoch's validation measures Recall at the first cut-off only (the selection
        // metric): chart that when the runs have no per-epoch values of the one asked for.
        if plan.base.training.validationFraction > 0, let first = cutoffs.first,
           !logs.values.contains(where: { log in log.epochs.contains { $0[curve] != nil } }) {
            curve = Self.validationPrefix + "recall@\(first)"
        }
        self.curveMetric = curve
        for v in plan.variants {
            var runLogs: [MetricsLog] = []
            for seed in plan.seeds {
                let key = RunKey(variant: v.name, seed: seed)
                guard let log = logs[key] else { throw ExperimentError("no results for \(key)") }
                guard log.final != nil else { throw ExperimentError("the run \(key) has not finished") }
                runLogs.append(log)
            }
            out.append(Self.summarise(name: v.name, label: v.label, seeds: plan.seeds, logs: runLogs,
                                      metrics: names, curveMetric: curve))
        }
        variants = out
        if let b = baseline, let base = out.first(where: { $0.name == b }) {
            for i in variants.indices {
                for (m, stats) in variants[i].metrics {
                    if let bm = base.metrics[m], let r = Statistics.relativeChange(stats.mean, baseline: bm.mean) {
                        variants[i].relativeChange[m] = r
                    }
                }
            }
        }
    }

    /// One variant's summary from its runs' logs (seed order).
    static func summarise(name: String, label: String, seeds: [UInt64], logs: [MetricsLog], metrics: [String],
                          curveMetric: String) -> VariantSummary {
        var stats: [String: MetricStats] = [:]
        for m in metrics {
            let values = logs.compactMap { $0.final?[m] }.filter(\.isFinite)
            if values.count == logs.count { stats[m] = MetricStats(values) }
        }
        let speed = logs.map { log in Statistics.median(log.epochs.compactMap { $0["train_seconds"] }.filter(\.isFinite)) }
        let total = logs.map { log -> Double in
            let main = log.final?["train_seconds_total"] ?? log.epochs.compactMap { $0["train_seconds"] }.filter(\.isFinite).reduce(0, +)
            return main + (log.final?["refit_seconds_total"] ?? 0)
        }
        let fn = logs.flatMap { log in log.epochs.compactMap { $0["false_negative_rate"] }.filter(\.isFinite) }
        var byEpoch: [Int: [Double]] = [:]
        for log in logs {
            for e in log.epochs {
                guard let ep = e["epoch"], let x = e[curveMetric], x.isFinite else { continue }
                byEpoch[Int(ep), default: []].append(x)
            }
        }
        let curve = byEpoch.keys.sorted().map { (epoch: $0, value: Statistics.mean(byEpoch[$0]!)) }
        return VariantSummary(name: name, label: label, metrics: stats, relativeChange: [:],
                              trainSecondsPerEpoch: MetricStats(speed), trainSecondsTotal: MetricStats(total), falseNegativeRate: Statistics.mean(fn),
                              recallCurve: curve, seeds: seeds)
    }
}
