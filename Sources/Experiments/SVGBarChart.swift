import Foundation
import NumCore

extension SVGChart {
    /// One coloured set of bars: a value (and error) per group.
    public struct BarSeries: Sendable {
        /// Legend text.
        public var label: String
        /// Bar heights, one per group.
        public var values: [Double]
        /// Error-bar half lengths (e.g. the sd over seeds), one per group; 0 draws none.
        public var errors: [Double]
        /// A short mark drawn above each bar (e.g. `*` or `**` for a significant difference),
        /// one per group; empty or missing draws none.
        public var marks: [String]
        /// A series called `label`.
        public init(label: String, values: [Double], errors: [Double], marks: [String] = []) {
            self.label = label
            self.values = values
            self.errors = errors
            self.marks = marks
        }
    }

    /// A grouped bar chart from 0: groups along x (e.g. Recall@20 ... Recall@200), one bar
    /// per series inside each group, with +-error bars and caps, and each bar's mark above it.
    public static func bars(title: String, groups: [String], yLabel: String, series: [BarSeries],
                            layout: Layout = Layout()) -> String {
        let layout = layout.fitting(legend: series.map(\.label))
        var top = 0.0
        for ser in series {
            for (i, v) in ser.values.enumerated() where v.isFinite {
                top = max(top, v + (i < ser.errors.count && ser.errors[i].isFinite ? ser.errors[i] : 0))
            }
        }
        let yTicks = niceTicks(0, top > 0 ? top : 1, target: 6)
        let y1 = yTicks.ticks.last ?? 1
        let py = { (y: Double) in layout.plotBottom - y / max(y1, 1e-12) * (layout.plotBottom - layout.plotTop) }

        var s = open(layout, title: title)
        s += yAxis(layout, ticks: yTicks.ticks, decimals: yTicks.decimals, label: yLabel, y: py)
        let groupWidth = (layout.plotRight - layout.plotLeft) / Double(max(1, groups.count))
        let inner = groupWidth * 0.8
        let barWidth = inner / Double(max(1, series.count))
        s += "<g class=\"x-axis\">\n"
        for (g, name) in groups.enumerated() {
            let cx = layout.plotLeft + (Double(g) + 0.5) * groupWidth
            s += "<text x=\"\(f(cx))\" y=\"\(f(layout.plotBottom + 18))\" text-anchor=\"middle\" fill=\"#333333\">\(escape(name))</text>\n"
        }
        s += xAxisLine(layout, label: "") + "</g>\n"
        s += "<g class=\"bars\">\n"
        for (i, ser) in series.enumerated() {
            for g in 0..<groups.count {
                guard g < ser.values.count, ser.values[g].isFinite else { continue }
                let v = ser.values[g]
                let x = layout.plotLeft + Double(g) * groupWidth + (groupWidth - inner) / 2 + Double(i) * barWidth
                let yTop = py(max(0, v))
                s += "<rect x=\"\(f(x + 1))\" y=\"\(f(yTop))\" width=\"\(f(max(1, barWidth - 2)))\" height=\"\(f(layout.plotBottom - yTop))\" fill=\"\(colour(i))\">"
                s += "<title>\(escape(ser.label)) \(escape(groups[g])): \(String(format: "%.4f", v))</title></rect>\n"
                let e = g < ser.errors.count && ser.errors[g].isFinite ? ser.errors[g] : 0
                if e > 0 {
                    let cx = x + barWidth / 2, cap = min(4, barWidth / 3)
                    let a = f(py(v + e)), b = f(py(max(0, v - e)))
                    s += "<path d=\"M\(f(cx)) \(a)V\(b)M\(f(cx - cap)) \(a)H\(f(cx + cap))M\(f(cx - cap)) \(b)H\(f(cx + cap))\" stroke=\"#222222\" stroke-width=\"1.2\" fill=\"none\"/>\n"
                }
                if g < ser.marks.count, !ser.marks[g].isEmpty {
                    s += "<text class=\"mark\" x=\"\(f(x + barWidth / 2))\" y=\"\(f(py(v + e) - 4))\" text-anchor=\"middle\" fill=\"#222222\">\(escape(ser.marks[g]))</text>\n"
                }
            }
        }
        s += "</g>\n"
        s += legend(layout, labels: series.map(\.label), boxes: true)
        return s + "</svg>\n"
    }
}
