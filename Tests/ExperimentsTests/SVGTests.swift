import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Experiments
import NumCore

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

    /// Issue 16: with ticks rounded to whole steps the epoch axis started at 2 and the epoch-1
    /// points were drawn left of the plot, over the y axis's labels.
    @Test(arguments: [3, 7, 12, 20, 37, 100])
    func epochAxisHoldsEveryPoint(epochs: Int) throws {
        let series = [SVGChart.Series(label: "UNS", points: (1...epochs).map { (x: Double($0), y: 0.1 + 0.001 * Double($0)) })]
        let svg = SVGChart.line(title: "Recall@50 per epoch", xLabel: "epoch", yLabel: "Recall@50", series: series)
        let layout = SVGChart.Layout().fitting(legend: ["UNS"])
        // The polyline's x coordinates (there are circles too, up to 60 points).
        let polyline = try #require(svg.components(separatedBy: "<polyline points=\"").dropFirst().first?.prefix { $0 != "\"" })
        let xs = polyline.split(separator: " ").compactMap { $0.split(separator: ",").first.flatMap { Double($0) } }
        #expect(xs.count == epochs)
        #expect(xs.allSatisfy { $0 >= layout.plotLeft - 0.01 && $0 <= layout.plotRight + 0.01 }, "points outside the plot: \(xs)")
        // The x axis's tick labels: whole numbers, the first at or below epoch 1, the last at or above the last epoch.
        let xAxis = try #require(svg.range(of: "<g class=\"x-axis\">").map { String(svg[$0.upperBound...]) })
        let labels = textContents(in: xAxis.components(separatedBy: "</g>")[0])
        let ticks = labels.compactMap(Int.init)
        #expect(ticks.count == labels.count - 1, "the axis label is the one non-number: \(labels)")
        #expect((ticks.first ?? 99) <= 1 && (ticks.last ?? 0) >= epochs, "ticks \(ticks)")
        #expect(ticks.count >= 2 && ticks.count <= 12)
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

    @Test func barMarksSitAboveTheirBars() throws {
        let series = [SVGChart.BarSeries(label: "UNS", values: [0.1, 0.2], errors: [0, 0]),
                      SVGChart.BarSeries(label: "ESANS", values: [0.15, 0.3], errors: [0.02, 0], marks: ["*", "**"])]
        let svg = SVGChart.bars(title: "Final", groups: ["Recall@20", "Recall@50"], yLabel: "Recall", series: series)
        #expect(parseXML(svg) != nil)
        let bars = svg.components(separatedBy: "<g class=\"bars\">")[1].components(separatedBy: "</g>")[0]
        #expect(textContents(in: bars) == ["*", "**"])
        // Each mark is above the top of its bar (and its error bar).
        let rectTops = attributeValues("y", in: bars.components(separatedBy: "\n").filter { $0.hasPrefix("<rect") }.joined())
        let markYs = attributeValues("y", in: bars.components(separatedBy: "\n").filter { $0.hasPrefix("<text") }.joined())
        #expect(rectTops.count == 4 && markYs.count == 2)
        #expect(markYs[0] < rectTops[2] - 4 && markYs[1] < rectTops[3], "marks \(markYs), bar tops \(rectTops)")
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

/// The numeric values of every `name="..."` attribute in `svg`, in order.
func attributeValues(_ name: String, in svg: String) -> [Double] {
    svg.components(separatedBy: " \(name)=\"").dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
}

/// The text content of every `<text ...>...</text>` element in `svg`, in order.
func textContents(in svg: String) -> [String] {
    svg.components(separatedBy: "<text").dropFirst().compactMap { piece in
        guard let open = piece.firstIndex(of: ">"), let close = piece.range(of: "</text>") else { return nil }
        return String(piece[piece.index(after: open)..<close.lowerBound])
    }
}
