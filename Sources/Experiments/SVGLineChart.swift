import Foundation

extension SVGChart {
    /// One line of a line chart.
    public struct Series: Sendable {
        /// Legend text.
        public var label: String
        /// (x, y) points, drawn in the given order.
        public var points: [(x: Double, y: Double)]
        /// A series called `label` through `points`.
        public init(label: String, points: [(x: Double, y: Double)]) {
            self.label = label
            self.points = points
        }
    }

    /// A line chart: one `<polyline>` (with point markers) per series, x ticks at integers
    /// when `integerX` (epochs), y axis fitted to the data.
    public static func line(title: String, xLabel: String, yLabel: String, series: [Series], integerX: Bool = true,
                            layout: Layout = Layout()) -> String {
        let layout = layout.fitting(legend: series.map(\.label))
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        var xTicks = niceTicks(xs.min() ?? 0, xs.max() ?? 1, target: 8)
        if integerX {
            // Epochs: integer ticks only, at least 1 apart.
            let lo = floor(xs.min() ?? 1), hi = ceil(xs.max() ?? 1)
            let step = max(1, (xTicks.ticks.count > 1 ? (xTicks.ticks[1] - xTicks.ticks[0]).rounded(.up) : 1))
            var t: [Double] = []
            var v = floor(lo / step) * step
            if v < lo && lo - v >= step / 2 { v += step }
            while v <= hi + 1e-9 { t.append(v); v += step }
            if t.count < 2 { t = [lo, max(hi, lo + 1)] }
            xTicks = (t, 0)
        }
        let yTicks = niceTicks(ys.min() ?? 0, ys.max() ?? 1, target: 6)
        var (s, px, py) = plotFrame(layout, title: title, xTicks: xTicks, yTicks: yTicks, xLabel: xLabel, yLabel: yLabel)
        s += "<g class=\"series\" fill=\"none\">\n"
        for (i, ser) in series.enumerated() {
            let pts = ser.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            let d = dash(i).isEmpty ? "" : " stroke-dasharray=\"\(dash(i))\""
            s += "<polyline points=\"\(pts)\" stroke=\"\(colour(i))\" stroke-width=\"2.5\" stroke-linejoin=\"round\"\(d)><title>\(escape(ser.label))</title></polyline>\n"
            if ser.points.count <= 60 {
                for p in ser.points {
                    s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(colour(i))\"/>\n"
                }
            }
        }
        s += "</g>\n"
        s += legend(layout, labels: series.map(\.label), boxes: false)
        return s + "</svg>\n"
    }
}
