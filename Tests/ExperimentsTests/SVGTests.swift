import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Experiments

/// Counts elements while checking that a document parses as XML.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
}

/// Parses `svg`; returns element counts, or nil when it is not well-formed XML.
func parseXML(_ svg: String) -> [String: Int]? {
    let parser = XMLParser(data: Data(svg.utf8))
    let counter = ElementCounter()
    parser.delegate = counter
    return parser.parse() ? counter.counts : nil
}

/// The SVG charts are well-formed and draw what they are given.
@Suite struct SVGTests {
    @Test func lineChartHasOnePolylinePerSeries() throws {
        let series = (0..<9).map { i in
            SVGChart.Series(label: "sampler <\(i)> & co", points: (1...5).map { (x: Double($0), y: 0.1 + 0.01 * Double($0 * i)) })
        }
        let svg = SVGChart.line(title: "Recall@50 per epoch", xLabel: "epoch", yLabel: "Recall@50", series: series)
        let counts = try #require(parseXML(svg), "not well-formed XML")
        #expect(counts["svg"] == 1)
        #expect(counts["polyline"] == 9)
        #expect(counts["circle"] == 45)
        #expect(svg.contains("width=\"640\" height=\"400\""))
    }

    @Test func barChartHasBarsAndErrorBars() throws {
        let series = [SVGChart.BarSeries(label: "UNS", values: [0.1, 0.2], errors: [0.01, 0]),
                      SVGChart.BarSeries(label: "ESANS", values: [0.15, .nan], errors: [0.02, 0])]
        let svg = SVGChart.bars(title: "Final", groups: ["Recall@20", "Recall@50"], yLabel: "Recall", series: series)
        let counts = try #require(parseXML(svg), "not well-formed XML")
        // 3 finite bars + 2 legend boxes + the background.
        #expect(counts["rect"] == 6)
        #expect(counts["path"] == 2)
    }

    @Test func degenerateInputsStillParse() throws {
        #expect(parseXML(SVGChart.line(title: "empty", xLabel: "x", yLabel: "y", series: [])) != nil)
        #expect(parseXML(SVGChart.line(title: "one", xLabel: "x", yLabel: "y", series: [.init(label: "a", points: [(x: 1, y: 0.5)])])) != nil)
        #expect(parseXML(SVGChart.bars(title: "zero", groups: ["g"], yLabel: "y", series: [.init(label: "a", values: [0], errors: [0])])) != nil)
    }

    @Test func niceTicksCoverTheRange() {
        let (t, d) = SVGChart.niceTicks(0.123, 0.187, target: 5)
        #expect(t.first! <= 0.123 && t.last! >= 0.187)
        #expect(t.count >= 3 && t.count <= 9)
        #expect(d >= 2)
        let (t2, d2) = SVGChart.niceTicks(0, 1, target: 5)
        #expect(t2 == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0] || t2.count == 6)
        #expect(d2 == 1)
    }
}
