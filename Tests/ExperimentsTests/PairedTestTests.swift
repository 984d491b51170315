import TestSupport
import Foundation
import Runs
import Testing
@testable import Experiments

/// The paired t-test and the significance marks of the reports.
@Suite struct PairedTestTests {
    @Test func pValuesMatchStudentsT() {
        // Reference values from scipy.stats.t.sf(|t|, df) * 2.
        for (t, df, p) in [(2.0, 10.0, 0.073388034770), (3.0, 5.0, 0.030099247897), (3.0, 3.0, 0.057668885622),
                           (1.96, 1e6, 0.049996067585), (0.5, 1.0, 0.704832764699), (-2.0, 10.0, 0.073388034770)] {
            #expect(abs(PairedTest.twoSidedP(t: t, degreesOfFreedom: df) - p) < 1e-7, "t \(t), df \(df)")
        }
        #expect(PairedTest.twoSidedP(t: 0, degreesOfFreedom: 4) == 1)
    }

    @Test func differencesUserByUser() throws {
        // Differences 1, 0, 1, 1 (the NaN pair is skipped): mean 0.75, sd 0.5, t = 3 on 3 df.
        let test = try #require(PairedTest(variant: [1, 2, 3, 4, .nan], reference: [0, 2, 2, 3, 1]))
        #expect(test.users == 4)
        #expect(abs(test.meanDifference - 0.75) < 1e-12 && abs(test.t - 3) < 1e-12)
        #expect(abs(test.pValue - 0.057668885622) < 1e-7 && test.marker == "")
        #expect(PairedTest(variant: [1], reference: [0]) == nil)
        let same = try #require(PairedTest(variant: [0.2, 0.3], reference: [0.2, 0.3]))
        #expect(same.pValue == 1 && same.t == 0)
    }

    @Test func reportsMarkSignificantChanges() throws {
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        var s = try ExperimentSummary(plan: plan, logs: twoVariantLogs(), cutoffs: [50])
        // 200 users; b is better than a for every user by 0.1 +- noise: clearly significant.
        var perUser: [RunKey: PerUserMetrics] = [:]
        for seed: UInt64 in [1, 2] {
            let base = (0..<200).map { Float(($0 * 37 + Int(seed) * 11) % 100) / 200 }
            let better = base.enumerated().map { $0.element + 0.1 + Float($0.offset % 7) / 100 }
            let ndcg = [Float](repeating: 0.1, count: 200)
            perUser[RunKey(variant: "a", seed: seed)] = PerUserMetrics(values: ["recall@50": base, "ndcg@50": ndcg])
            perUser[RunKey(variant: "b", seed: seed)] = PerUserMetrics(values: ["recall@50": better, "ndcg@50": ndcg])
        }
        s.addSignificance(perUser: perUser)
        let b = try #require(s.variants.first { $0.name == "b" })
        #expect(b.significance["recall@50"]?.marker == "**")
        #expect(b.significance["ndcg@50"]?.pValue == 1)
        #expect(s.variants.first { $0.name == "a" }?.significance.isEmpty == true)
        let md = ReportWriter.markdown(ReportContent(summary: s, plan: plan))
        #expect(md.contains("| B | +33.3%** | +100.0% |"), "\(md)")
        #expect(md.contains("paired t-test over the test users"))
        // The final Recall@K chart marks B's bar (and no other) and says what the mark means.
        let content = ReportContent(summary: s, plan: plan)
        let recallChart = try #require(content.charts.first { $0.file == "final_recall.svg" })
        #expect(textContents(in: recallChart.svg.components(separatedBy: "<g class=\"bars\">")[1].components(separatedBy: "</g>")[0]) == ["**"], "\(recallChart.svg)")
        #expect(recallChart.alt.contains("** p < 0.01 against A"), "\(recallChart.alt)")
        let ndcgChart = try #require(content.charts.first { $0.file == "final_ndcg.svg" })
        #expect(!ndcgChart.svg.contains("class=\"mark\""), "p = 1 draws no mark")
        let json = try CompareJSON.object(summary: s, plan: plan)
        let entry = try #require((json["samplers"] as? [String: Any])?["b"] as? [String: Any])
        let tests = try #require(entry["paired_test"] as? [String: Any])
        #expect((tests["recall@50"] as? [String: Any])?["users"] as? Int == 200)
        // A run without per-user metrics leaves its variant untested.
        var partial = try ExperimentSummary(plan: plan, logs: twoVariantLogs(), cutoffs: [50])
        perUser[RunKey(variant: "b", seed: 2)] = nil
        partial.addSignificance(perUser: perUser)
        #expect(partial.variants.allSatisfy { $0.significance.isEmpty })
    }

    @Test func perUserMetricsRoundTrip() throws {
        let tmp = TempDir()
        let m = PerUserMetrics(values: ["recall@20": [0.5, .nan, 1], "ndcg@20": [0.25, .nan, 0]])
        let url = tmp.file("p.safetensors")
        try m.write(to: url)
        let back = try PerUserMetrics.read(from: url)
        #expect(back.values["recall@20"]?[0] == 0.5 && back.values["recall@20"]?[1].isNaN == true && back.values["ndcg@20"]?[2] == 0)
    }
}
