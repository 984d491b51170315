import Foundation
import NumCore

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
        let xTicks = integerX ? integerTicks(xs.min() ?? 1, xs.max() ?? 1, target: 8) : niceTicks(xs.min() ?? 0, xs.max() ?? 1, target: 8)
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

    /// Integer ticks (epochs) a whole step apart (1, 2, 5, 10, 20, 50, ...), the first at or below
    /// `lo` and the last at or above `hi`, so that every point falls inside the plot: the axis is
    /// the ticks' span, and a first tick above the smallest x would draw that point over the y
    /// axis's labels.
    static func integerTicks(_ lo: Double, _ hi: Double, target: Int) -> (ticks: [Double], decimals: Int) {
        let lo = floor(lo.isFinite ? lo : 0), hi = max(ceil(hi.isFinite ? hi : 1), lo + 1)
        let raw = (hi - lo) / Double(max(1, target))
        var step = 1.0
        while step < raw {
            let decade = step
            for m in [2.0, 5.0, 10.0] where step < raw { step = decade * m }
        }
        let first = floor(lo / step) * step, last = ceil(hi / step) * step
        let ticks = stride(from: first, through: last + step / 2, by: step).map { $0 }
        return (ticks, 0)
    }
}
