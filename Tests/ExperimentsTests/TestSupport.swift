import Foundation
import Runs
import Datasets
import Models
import Training
@testable import Experiments

/// Writes a tiny generated data set (40 users, 30 items) as a LightGCN directory and returns it.
func writeTinyLightGCN(to dir: URL) throws -> URL {
    let ds = SyntheticData.make(users: 40, items: 30, clusters: 4, interactionsPerUser: 8, seed: 5)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for (name, part) in [("train.txt", ds.train), ("test.txt", ds.test)] {
        var text = ""
        for u in 0..<part.numUsers where part.degree(of: u) > 0 {
            text += ([String(u)] + part.items(of: u).map { String($0) }).joined(separator: " ") + "\n"
        }
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    return dir
}

/// A small run configuration over `path`: 2 epochs, dimension 8, batch 16, on the process's
/// worker pool as it is (`threads` 0). A run with `threads > 0` resizes the pool of the whole
/// test process, under the runs of other suites going on at that moment: their metrics.json
/// then records another thread count than their reference run did (issue 15, the
/// crash-consistency test failing under load); see `ProcessPoolTests`.
func tinyRunConfig(path: String) -> RunConfig {
    var m = ModelConfig()
    m.dim = 8
    var t = TrainConfig()
    t.epochs = 2
    t.batchSize = 16
    t.sharedNegatives = 16
    t.threads = 0
    t.loss = LossConfig(kind: .softmax)
    t.validationFraction = 0
    t.evalEvery = 1
    var o = AdamOptimizer.Config()
    o.learningRate = 0.01
    return RunConfig(data: .init(path: path), model: m, training: t, optimizer: o)
}

/// A finished metrics log with the given final metrics, per-epoch Recall@50 values and
/// per-epoch training seconds and false-negative rates.
func handMadeLog(final: [String: Double], recall50: [Double], seconds: [Double], falseNegatives: [Double]) -> MetricsLog {
    var log = MetricsLog()
    for (i, r) in recall50.enumerated() {
        log.epochs.append(["epoch": Double(i + 1), "recall@50": r, "train_seconds": seconds[i], "false_negative_rate": falseNegatives[i]])
    }
    log.final = final
    return log
}

/// A plan with two variants (`a`, the baseline, and `b`) and seeds 1 and 2 over `base`.
func twoVariantPlan(base: RunConfig) throws -> ExperimentPlan {
    try ExperimentPlan(title: "test", base: base, variants: [
        ExperimentVariant(name: "a", label: "A") { $0 },
        ExperimentVariant(name: "b", label: "B") { c in var c = c; c.training.sampler = .pns; return c },
    ], seeds: [1, 2], baseline: "a")
}

/// Logs for ``twoVariantPlan(base:)`` with known numbers: a has Recall@50 0.2 and 0.4, b 0.3 and 0.5.
func twoVariantLogs() -> [RunKey: MetricsLog] {
    [
        RunKey(variant: "a", seed: 1): handMadeLog(final: ["recall@50": 0.2, "ndcg@50": 0.1], recall50: [0.1, 0.2], seconds: [1, 3], falseNegatives: [0.01, 0.03]),
        RunKey(variant: "a", seed: 2): handMadeLog(final: ["recall@50": 0.4, "ndcg@50": 0.1], recall50: [0.3, 0.4], seconds: [5, 4], falseNegatives: [0.02, 0.04]),
        RunKey(variant: "b", seed: 1): handMadeLog(final: ["recall@50": 0.3, "ndcg@50": 0.2], recall50: [0.2, 0.3], seconds: [1, 1], falseNegatives: [0, 0]),
        RunKey(variant: "b", seed: 2): handMadeLog(final: ["recall@50": 0.5, "ndcg@50": 0.2], recall50: [0.4, 0.5], seconds: [2, 2], falseNegatives: [0, 0.1]),
    ]
}
