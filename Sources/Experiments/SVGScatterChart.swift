import Foundation
import NumCore

extension SVGChart {
    /// One labelled point of a scatter chart.
    public struct Point: Sendable {
        /// Legend text.
        public var label: String
        /// Coordinates.
        public var x: Double, y: Double
        /// A point called `label` at (x, y).
        public init(label: String, x: Double, y: Double) {
            self.label = label
            self.x = x
            self.y = y
        }
    }

    /// A scatter chart of labelled points (one colour and legend entry each), with the points
    /// listed in `front` (indices, in drawing order) joined by a dashed step line: the
    /// quality-per-cost chart of a comparison, cost on x and quality on y.
    public static func scatter(title: String, xLabel: String, yLabel: String, points: [Point], front: [Int] = [],
                               layout: Layout = Layout()) -> String {
        let layout = layout.fitting(legend: points.map(\.label))
        let shown = points.filter { $0.x.isFinite && $0.y.isFinite }
        // Axes start at zero cost (a cost axis that starts elsewhere exaggerates differences).
        let xTicks = niceTicks(0, max(shown.map(\.x).max() ?? 1, 1e-9), target: 6)
        let yTicks = niceTicks(shown.map(\.y).min() ?? 0, shown.map(\.y).max() ?? 1, target: 6)
        var (s, px, py) = plotFrame(layout, title: title, xTicks: xTicks, yTicks: yTicks, xLabel: xLabel, yLabel: yLabel)
        let frontPoints = front.filter { points.indices.contains($0) && points[$0].x.isFinite && points[$0].y.isFinite }
        if frontPoints.count > 1 {
            // Steps: from each front point right to the next one's cost, then up to its quality.
            var path: [String] = []
            for (k, i) in frontPoints.enumerated() {
                let p = points[i]
                if k > 0 { path.append("\(f(px(p.x))),\(f(py(points[frontPoints[k - 1]].y)))") }
                path.append("\(f(px(p.x))),\(f(py(p.y)))")
            }
            s += "<polyline class=\"front\" points=\"\(path.joined(separator: " "))\" fill=\"none\" stroke=\"#7F7F7F\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"><title>best quality for the cost</title></polyline>\n"
        }
        s += "<g class=\"points\">\n"
        for (i, p) in points.enumerated() where p.x.isFinite && p.y.isFinite {
            let ring = frontPoints.contains(i) ? " stroke=\"#000000\" stroke-width=\"1.5\"" : ""
            s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"5\" fill=\"\(colour(i))\"\(ring)><title>\(escape(p.label)): \(String(format: "%.4f", p.y)) at \(String(format: "%.0f", p.x))</title></circle>\n"
        }
        s += "</g>\n"
        s += legend(layout, labels: points.map(\.label), boxes: true)
        return s + "</svg>\n"
    }
}
