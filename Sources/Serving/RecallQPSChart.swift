import NumCore
import Foundation

/// A small SVG scatter-line chart of recall@K (y) against batched queries per second (x,
/// logarithmic) for the points of an ``IndexEvaluation``: one line through the IVF points,
/// labelled by nprobe, and the exact search as a separate marker. Drawn in the frame of
/// ``NumCore/SVGChart``.
public enum RecallQPSChart {
    /// The chart as a standalone SVG document.
    public static func svg(_ e: IndexEvaluation, title: String) -> String {
        var layout = SVGChart.Layout()
        layout.width = 720; layout.height = 440
        layout.left = 70; layout.right = 30; layout.top = 50; layout.bottom = 60
        let (left, right, top, bottom) = (layout.plotLeft, layout.plotRight, layout.plotTop, layout.plotBottom)
        let qps = e.points.map { max($0.batchQPS, 1e-9) }
        let lx0 = floor(log10(qps.min() ?? 1)), lx1 = max(ceil(log10(qps.max() ?? 10)), lx0 + 1)
        let yMin = min(0.9, floor((e.points.map(\.recall).min() ?? 0) * 10) / 10), yMax = 1.0
        let px = { (q: Double) in left + (log10(max(q, 1e-9)) - lx0) / (lx1 - lx0) * (right - left) }
        let py = { (r: Double) in bottom - (r - yMin) / (yMax - yMin) * (bottom - top) }
        let f = SVGChart.f
        let step = (yMax - yMin) > 0.3 ? 0.1 : 0.02
        let yTicks = (0...Int(((yMax - yMin) / step).rounded())).map { yMin + Double($0) * step }
        var s = SVGChart.open(layout, title: title)
        s += SVGChart.yAxis(layout, ticks: yTicks, decimals: 2, label: "recall@\(e.k) vs exact", y: py)
        // Ticks at 1, 2 and 5 times each decade of QPS.
        var d = lx0
        while d <= lx1 + 1e-9 {
            for m in [1.0, 2.0, 5.0] where d + log10(m) <= lx1 + 1e-9 {
                let x = px(pow(10, d) * m)
                s += "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 5))\" stroke=\"#333333\"/>\n"
                s += "<text x=\"\(f(x))\" y=\"\(f(bottom + 18))\" text-anchor=\"middle\">\(Int((pow(10, d) * m).rounded()))</text>\n"
            }
            d += 1
        }
        s += SVGChart.xAxisLine(layout, label: "queries per second (batched, log scale)")
        let ivfColour = SVGChart.colour(0), exactColour = SVGChart.colour(1)
        let ivf = e.points.filter { $0.method == "ivf" }
        let line = ivf.map { "\(f(px($0.batchQPS))),\(f(py($0.recall)))" }.joined(separator: " ")
        s += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"\(ivfColour)\" stroke-width=\"2.5\"/>\n"
        for p in ivf {
            s += "<circle cx=\"\(f(px(p.batchQPS)))\" cy=\"\(f(py(p.recall)))\" r=\"4\" fill=\"\(ivfColour)\"/>\n"
            s += "<text x=\"\(f(px(p.batchQPS) + 6))\" y=\"\(f(py(p.recall) - 6))\" fill=\"\(ivfColour)\">nprobe \(p.nprobe)</text>\n"
        }
        for p in e.points where p.method == "exact" {
            s += "<rect x=\"\(f(px(p.batchQPS) - 5))\" y=\"\(f(py(p.recall) - 5))\" width=\"10\" height=\"10\" fill=\"\(exactColour)\"/>\n"
            s += "<text x=\"\(f(px(p.batchQPS) + 8))\" y=\"\(f(py(p.recall) + 16))\" fill=\"\(exactColour)\">exact</text>\n"
        }
        return s + "</svg>\n"
    }
}
