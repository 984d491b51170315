import TestSupport
import Foundation
import Runs
import Testing
import Training
@testable import Experiments

/// compare.json, compare.csv and the report files.
@Suite struct ReportTests {
    @Test func compareJSONHasTheDocumentedShape() throws {
        let tmp = TempDir()
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        let s = try ExperimentSummary(plan: plan, logs: twoVariantLogs(), cutoffs: [50])
        let files = try ReportWriter.write(summary: s, plan: plan, to: tmp.url)
        #expect(Set(files.map(\.lastPathComponent)).isSuperset(of: ["compare.json", "compare.csv", "report.md", "report.html",
                                                                     "recall50_per_epoch.svg", "final_recall.svg", "final_ndcg.svg"]))
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.url.appendingPathComponent("compare.json"))) as? [String: Any]
        let samplers = try #require(obj?["samplers"] as? [String: Any])
        #expect(Set(samplers.keys) == ["a", "b"])
        let b = try #require(samplers["b"] as? [String: Any])
        let r50 = try #require(b["recall@50"] as? [String: Any])
        #expect(Set(r50.keys) == ["mean", "sd", "runs"])
        #expect(abs((r50["mean"] as? Double ?? 0) - 0.4) < 1e-9)
        #expect((r50["runs"] as? [Double])?.count == 2)
        #expect(abs((b["train_seconds_per_epoch"] as? Double ?? 0) - 1.5) < 1e-9)
        #expect(b["false_negative_rate"] is Double)
        #expect(abs(((b["relative_change"] as? [String: Double])?["recall@50"] ?? 0) - 1.0 / 3) < 1e-9)
        let config = try #require(obj?["config"] as? [String: Any])
        #expect(config["baseline"] as? String == "a")
        #expect((config["base"] as? [String: Any])?["training"] != nil)
        #expect(obj?["order"] as? [String] == ["a", "b"])
    }

    @Test func csvHasOneRowPerVariant() throws {
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        let s = try ExperimentSummary(plan: plan, logs: twoVariantLogs(), cutoffs: [50])
        let lines = ReportWriter.csv(s).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("variant,label,seeds,recall@50_mean,recall@50_sd"))
        #expect(lines[2].hasPrefix("b,B,2,0.4"))
        #expect(ReportWriter.csvField("a,b") == "\"a,b\"")
    }

    @Test func oneSeedShowsNoSpread() throws {
        let two = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        let plan = try ExperimentPlan(title: "one seed", base: two.base, variants: two.variants, seeds: [1], baseline: "a")
        let logs = twoVariantLogs().filter { $0.key.seed == 1 }
        let md = ReportWriter.markdown(ReportContent(summary: try ExperimentSummary(plan: plan, logs: logs, cutoffs: [50]), plan: plan))
        #expect(md.contains("| B | 0.3000 |"), "\(md)")
        #expect(!md.contains("±"), "a single seed has no spread to show")
        #expect(md.contains("Recall@K (one seed)"))
        #expect(MetricStats([0.2, 0.4]).text == "0.3000 ± 0.1414" && MetricStats([0.25]).text == "0.2500")
    }

    @Test func markdownAndHTMLCarryTablesAndCharts() throws {
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        let s = try ExperimentSummary(plan: plan, logs: twoVariantLogs(), cutoffs: [50])
        let c = ReportContent(summary: s, plan: plan)
        let md = ReportWriter.markdown(c)
        #expect(md.contains("| B | 0.4000 ± 0.1414 |"))
        #expect(md.contains("![Recall@50 per epoch](recall50_per_epoch.svg)"))
        #expect(md.contains("+33.3%"))
        let html = ReportWriter.html(c)
        #expect(html.components(separatedBy: "<svg ").count - 1 == c.charts.count)
        #expect(ReportWriter.inlineCode("a `b` c") == "a <code>b</code> c")
    }
}
