import TestSupport
import Foundation
import Runs
import Testing
import Training
@testable import Experiments

/// A whole comparison on a tiny generated data set: real training, every output file.
@Suite struct EndToEndTests {
    @Test func tinyComparisonWritesEveryFile() throws {
        let tmp = TempDir()
        let data = try writeTinyLightGCN(to: tmp.url.appendingPathComponent("data"))
        let base = tinyRunConfig(path: data.path)
        let plan = try PlanCatalog.comparison(base: base, samplers: [.uns, .pns], regime: .paper, seeds: [1, 2])
        let out = tmp.url.appendingPathComponent("cmp")
        var trained = 0
        let runner = ExperimentRunner(plan: plan, output: out) { dir, config, resume, observe in
            trained += 1
            return try ExperimentRunner.trainWithTrainingRun(dir, config, resume, observe)
        }
        let logs = try runner.runAll()
        #expect(trained == 4)
        let summary = try ExperimentSummary(plan: plan, logs: logs)
        try ReportWriter.write(summary: summary, plan: plan, to: out)
        for f in ["compare.json", "compare.csv", "report.md", "report.html", "recall50_per_epoch.svg", "final_recall.svg", "final_ndcg.svg",
                  "runs/uns-seed1/metrics.json", "runs/pns-seed2/config.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "missing \(f)")
        }
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("compare.json"))) as? [String: Any]
        let samplers = try #require(obj?["samplers"] as? [String: Any])
        #expect(Set(samplers.keys) == ["uns", "pns"])
        for k in [20, 50, 100, 200] {
            #expect((samplers["pns"] as? [String: Any])?["recall@\(k)"] != nil)
        }
        #expect(summary.variants.allSatisfy { $0.recallCurve.count == 2 })
        let svg = try String(contentsOf: out.appendingPathComponent("recall50_per_epoch.svg"), encoding: .utf8)
        #expect(parseXML(svg)?["polyline"] == 2)

        // Restarting reuses all four runs.
        _ = try runner.runAll()
        #expect(trained == 4)
    }

    /// Issue 16: with a validation split the per-epoch chart is of validation Recall at the
    /// first cut-off, the one each epoch measures (the chart of validation Recall@50 had no
    /// points: its lines were empty).
    @Test func theValidationCurveHasAPointPerEpoch() throws {
        let tmp = TempDir()
        let data = try writeTinyLightGCN(to: tmp.url.appendingPathComponent("data"))
        var base = tinyRunConfig(path: data.path)
        base.training.validationFraction = 0.2
        let plan = try PlanCatalog.comparison(base: base, samplers: [.uns, .pns], regime: .paper, seeds: [1])
        let out = tmp.url.appendingPathComponent("cmp")
        let logs = try ExperimentRunner(plan: plan, output: out).runAll()
        let summary = try ExperimentSummary(plan: plan, logs: logs)
        #expect(summary.curveMetric == "valid_recall@20")
        #expect(summary.variants.allSatisfy { $0.recallCurve.map(\.epoch) == [1, 2] }, "\(summary.variants.map(\.recallCurve))")
        let chart = try #require(ReportContent(summary: summary, plan: plan).charts.first)
        #expect(chart.file == "valid_recall20_per_epoch.svg" && chart.alt == "validation Recall@20 per epoch", "\(chart.file) \(chart.alt)")
        #expect(!chart.svg.contains("points=\"\""), "an empty line")
    }
}
