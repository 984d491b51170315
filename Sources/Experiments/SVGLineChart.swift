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
        let x0 = xTicks.ticks.first ?? 0, x1 = xTicks.ticks.last ?? 1
        let y0 = yTicks.ticks.first ?? 0, y1 = yTicks.ticks.last ?? 1
        let px = { (x: Double) in layout.plotLeft + (x - x0) / max(x1 - x0, 1e-12) * (layout.plotRight - layout.plotLeft) }
        let py = { (y: Double) in layout.plotBottom - (y - y0) / max(y1 - y0, 1e-12) * (layout.plotBottom - layout.plotTop) }

        var s = open(layout, title: title)
        s += yAxis(layout, ticks: yTicks.ticks, decimals: yTicks.decimals, label: yLabel, y: py)
        s += "<g class=\"x-axis\">\n"
        for t in xTicks.ticks {
            let x = f(px(t))
            s += "<line x1=\"\(x)\" y1=\"\(f(layout.plotBottom))\" x2=\"\(x)\" y2=\"\(f(layout.plotBottom + 5))\" stroke=\"#333333\" stroke-width=\"1\"/>\n"
            s += "<text x=\"\(x)\" y=\"\(f(layout.plotBottom + 18))\" text-anchor=\"middle\" fill=\"#333333\">\(label(t, decimals: xTicks.decimals))</text>\n"
        }
        s += xAxisLine(layout, label: xLabel) + "</g>\n"
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
