import TestSupport
import Foundation
import Testing
@testable import Experiments
import NumCore

/// The quality-per-cost front, its chart and its place in the report.
@Suite struct QualityPerCostTests {
    @Test func frontKeepsOnlyUndominatedVariants() {
        //            0     1     2     3     4     5     6
        let cost =  [10.0, 20.0, 15.0, 25.0, 10.0, .nan, 30.0]
        let qual =  [0.20, 0.30, 0.25, 0.28, 0.10, 0.90, 0.30]
        // 3 is beaten by 1 (cheaper, better), 4 by 0 (same cost, better), 6 by 1 (cheaper,
        // as good); 5 has no cost.
        #expect(ParetoFront.indices(cost: cost, quality: qual) == [0, 2, 1])
        #expect(ParetoFront.indices(cost: [], quality: []) == [])
        // Ties on both: both stay.
        #expect(ParetoFront.indices(cost: [1, 1], quality: [0.5, 0.5]) == [0, 1])
    }

    @Test func scatterDrawsEveryPointAndTheFront() throws {
        let points = [SVGChart.Point(label: "UNS", x: 100, y: 0.25), SVGChart.Point(label: "DNS <28>", x: 300, y: 0.27),
                      SVGChart.Point(label: "ESANS", x: 150, y: 0.26), SVGChart.Point(label: "broken", x: .nan, y: 0.3)]
        let svg = SVGChart.scatter(title: "q", xLabel: "s", yLabel: "R", points: points, front: [0, 2, 1])
        let counts = try #require(parseXML(svg), "not well-formed XML")
        #expect(counts["circle"] == 3, "one marker per finite point")
        #expect(counts["polyline"] == 1)
        // Step line through 3 front points: 3 corners + 2 steps.
        let line = try #require(svg.split(separator: "\n").first { $0.contains("class=\"front\"") })
        let pts = try #require(line.split(separator: "\"").dropFirst(3).first)
        #expect(pts.split(separator: " ").count == 5)
        #expect(svg.contains("DNS &lt;28&gt;"))
        #expect(parseXML(SVGChart.scatter(title: "empty", xLabel: "s", yLabel: "R", points: [])) != nil)
    }

    @Test func reportHasTheCostTableAndChart() throws {
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        // a: 4 s and 9 s of training, Recall@50 0.3 on average; b: 2 s and 4 s, 0.4: b is cheaper
        // and better, so it alone is on the front.
        let s = try ExperimentSummary(plan: plan, logs: twoVariantLogs(), cutoffs: [50])
        #expect(s.variants.map(\.trainSecondsTotal.mean) == [6.5, 3])
        let c = ReportContent(summary: s, plan: plan)
        #expect(c.charts.contains { $0.file == "quality_per_cost.svg" })
        let md = ReportWriter.markdown(c)
        #expect(md.contains("| B | 1.50 | 3 | 0.4000 ± 0.1414 | yes |"), "\(md)")
        // Medians of the epochs 1, 3 and 5, 4 are 2 and 4.5; 6.5 s in all prints as 6 (half to even).
        #expect(md.contains("| A | 3.25 | 6 | 0.3000 ± 0.1414 |  |"), "\(md)")
    }
}
