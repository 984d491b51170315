import NumCore
import Foundation

/// A small SVG scatter-line chart of recall@K (y) against batched queries per second (x,
/// logarithmic) for the points of an ``IndexEvaluation``: one line through the IVF points,
/// labelled by nprobe, and the exact search as a separate marker.
public enum RecallQPSChart {
    /// The chart as a standalone SVG document.
    public static func svg(_ e: IndexEvaluation, title: String) -> String {
        let w = 720.0, h = 440.0, left = 70.0, right = 690.0, top = 50.0, bottom = 380.0
        let qps = e.points.map { max($0.batchQPS, 1e-9) }
        let lx0 = floor(log10(qps.min() ?? 1)), lx1 = max(ceil(log10(qps.max() ?? 10)), lx0 + 1)
        let yMin = min(0.9, floor((e.points.map(\.recall).min() ?? 0) * 10) / 10), yMax = 1.0
        let px = { (q: Double) in left + (log10(max(q, 1e-9)) - lx0) / (lx1 - lx0) * (right - left) }
        let py = { (r: Double) in bottom - (r - yMin) / (yMax - yMin) * (bottom - top) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        s += "<text x=\"\(f(w / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(escape(title))</text>\n"
        // Axes with ticks: decades of QPS, tenths (or finer) of recall.
        s += "<line x1=\"\(f(left))\" y1=\"\(f(bottom))\" x2=\"\(f(right))\" y2=\"\(f(bottom))\" stroke=\"#333\"/>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(bottom))\" stroke=\"#333\"/>\n"
        var d = lx0
        while d <= lx1 + 1e-9 {
            for m in [1.0, 2.0, 5.0] where d + log10(m) <= lx1 + 1e-9 {
                let x = px(pow(10, d) * m)
                s += "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 5))\" stroke=\"#333\"/>\n"
                s += "<text x=\"\(f(x))\" y=\"\(f(bottom + 18))\" text-anchor=\"middle\">\(Int((pow(10, d) * m).rounded()))</text>\n"
            }
            d += 1
        }
        let step = (yMax - yMin) > 0.3 ? 0.1 : 0.02
        var t = yMin
        while t <= yMax + 1e-9 {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(right))\" y2=\"\(f(py(t)))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(String(format: "%.2f", t))</text>\n"
            t += step
        }
        s += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(h - 20))\" text-anchor=\"middle\">queries per second (batched, log scale)</text>\n"
        s += "<text transform=\"translate(18 \(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">recall@\(e.k) vs exact</text>\n"
        let ivf = e.points.filter { $0.method == "ivf" }
        let line = ivf.map { "\(f(px($0.batchQPS))),\(f(py($0.recall)))" }.joined(separator: " ")
        s += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2.5\"/>\n"
        for p in ivf {
            s += "<circle cx=\"\(f(px(p.batchQPS)))\" cy=\"\(f(py(p.recall)))\" r=\"4\" fill=\"#1f77b4\"/>\n"
            s += "<text x=\"\(f(px(p.batchQPS) + 6))\" y=\"\(f(py(p.recall) - 6))\" fill=\"#1f77b4\">nprobe \(p.nprobe)</text>\n"
        }
        for p in e.points where p.method == "exact" {
            s += "<rect x=\"\(f(px(p.batchQPS) - 5))\" y=\"\(f(py(p.recall) - 5))\" width=\"10\" height=\"10\" fill=\"#d62728\"/>\n"
            s += "<text x=\"\(f(px(p.batchQPS) + 8))\" y=\"\(f(py(p.recall) + 16))\" fill=\"#d62728\">exact</text>\n"
        }
        return s + "</svg>\n"
    }

    private static func escape(_ t: String) -> String { TextEscaping.xml(t) }
}
