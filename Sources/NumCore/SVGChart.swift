import Foundation

/// Self-contained SVG charts (no scripts, no external fonts or styles) sized for reports: the
/// frame every chart of esans is drawn in (layout, nice ticks, axes, legend, palette). The
/// experiment reports' line, bar and scatter charts (Experiments), the MSAC cluster-size
/// histogram (Semantic) and the IVF recall/QPS chart (Serving) are drawn on it.
///
/// Every chart shares the layout below: a title on top, the plot area on the left, the legend in a
/// column on the right, and axes with "nice" ticks (steps of 1, 2, 2.5 or 5 times a power of ten).
public enum SVGChart {
    /// Canvas size and margins, in SVG user units (pixels at 100%).
    public struct Layout: Sendable {
        public var width = 640.0, height = 400.0
        public var left = 64.0, right = 120.0, top = 40.0, bottom = 52.0
        /// The default 640 x 400 layout.
        public init() {}

        /// This layout with the right margin widened (up to a third of the width) so that a
        /// legend with these labels fits; labels longer than that are shortened when drawn.
        public func fitting(legend labels: [String]) -> Layout {
            var l = self
            let longest = Double(min(labels.map(\.count).max() ?? 0, SVGChart.legendMaxCharacters))
            l.right = min(width / 3, max(right, 16 + 24 + longest * SVGChart.characterWidth + 8))
            return l
        }
        /// The plot area's edges.
        public var plotLeft: Double { left }
        public var plotRight: Double { width - right }
        public var plotTop: Double { top }
        public var plotBottom: Double { height - bottom }
    }

    /// Colour-blind-friendly colours (Okabe-Ito, then darker extras), distinguishable on white.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
                                 "#8C564B", "#7F7F7F", "#B8860B", "#6A3D9A", "#1B9E77"]

    /// Average advance of a 12 px sans-serif character, for sizing the legend column.
    public static let characterWidth = 6.8
    /// Legend labels longer than this are cut with an ellipsis.
    public static let legendMaxCharacters = 28

    /// Dash patterns cycled once the palette repeats, so series stay apart.
    public static let dashes = ["", "6 3", "2 3", "8 3 2 3"]

    /// The colour of series `i`.
    public static func colour(_ i: Int) -> String { palette[i % palette.count] }

    /// The dash pattern of series `i` (solid for the first `palette.count` series).
    public static func dash(_ i: Int) -> String { dashes[(i / palette.count) % dashes.count] }

    /// Text made safe for SVG / XML content and attribute values.
    public static func escape(_ s: String) -> String { TextEscaping.xml(s) }

    /// A coordinate with two decimals (short files, no locale dependence).
    public static func f(_ x: Double) -> String { String(format: "%.2f", x) }

    /// Tick positions covering `lo...hi` with about `target` steps of a nice size, and the
    /// number of decimals their labels need.
    public static func niceTicks(_ lo: Double, _ hi: Double, target: Int = 5) -> (ticks: [Double], decimals: Int) {
        var lo = lo, hi = hi
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if hi - lo < 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let raw = (hi - lo) / Double(max(1, target))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let start = floor(lo / step + 1e-9) * step, end = ceil(hi / step - 1e-9) * step
        var ticks: [Double] = []
        var t = start
        while t <= end + step * 1e-6 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        var decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        if (step / magnitude) == 2.5 { decimals += 1 }
        return (ticks, decimals)
    }

    /// A tick label with `decimals` decimals.
    public static func label(_ x: Double, decimals: Int) -> String { String(format: "%.\(decimals)f", x) }

    /// The opening of a chart: XML header, `<svg>`, white background and the title.
    public static func open(_ layout: Layout, title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(layout.width))" height="\(Int(layout.height))" \
        viewBox="0 0 \(Int(layout.width)) \(Int(layout.height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <title>\(escape(title))</title>
        <rect x="0" y="0" width="\(Int(layout.width))" height="\(Int(layout.height))" fill="#ffffff"/>
        <text x="\(f(layout.width / 2))" y="22" text-anchor="middle" font-size="15" font-weight="bold">\(escape(title))</text>

        """
    }

    /// The opening of a chart with both axes drawn for these ticks, and the maps from data to
    /// plot coordinates (the first and last ticks span the plot area).
    public static func plotFrame(_ layout: Layout, title: String, xTicks: (ticks: [Double], decimals: Int), yTicks: (ticks: [Double], decimals: Int),
                          xLabel: String, yLabel: String) -> (svg: String, px: (Double) -> Double, py: (Double) -> Double) {
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
        return (s, px, py)
    }

    /// The y axis: grid lines, tick labels and the rotated axis label, for values mapped by `y`.
    public static func yAxis(_ layout: Layout, ticks: [Double], decimals: Int, label: String, y: (Double) -> Double) -> String {
        var s = "<g class=\"y-axis\">\n"
        for t in ticks {
            let py = f(y(t))
            s += "<line x1=\"\(f(layout.plotLeft))\" y1=\"\(py)\" x2=\"\(f(layout.plotRight))\" y2=\"\(py)\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>\n"
            s += "<text x=\"\(f(layout.plotLeft - 6))\" y=\"\(py)\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#333333\">\(Self.label(t, decimals: decimals))</text>\n"
        }
        s += "<line x1=\"\(f(layout.plotLeft))\" y1=\"\(f(layout.plotTop))\" x2=\"\(f(layout.plotLeft))\" y2=\"\(f(layout.plotBottom))\" stroke=\"#333333\" stroke-width=\"1\"/>\n"
        let cy = (layout.plotTop + layout.plotBottom) / 2
        s += "<text x=\"16\" y=\"\(f(cy))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(cy)))\" font-size=\"13\">\(escape(label))</text>\n"
        return s + "</g>\n"
    }

    /// The x axis line along the bottom of the plot and its label.
    public static func xAxisLine(_ layout: Layout, label: String) -> String {
        "<line x1=\"\(f(layout.plotLeft))\" y1=\"\(f(layout.plotBottom))\" x2=\"\(f(layout.plotRight))\" y2=\"\(f(layout.plotBottom))\" stroke=\"#333333\" stroke-width=\"1\"/>\n" +
        "<text x=\"\(f((layout.plotLeft + layout.plotRight) / 2))\" y=\"\(f(layout.height - 12))\" text-anchor=\"middle\" font-size=\"13\">\(escape(label))</text>\n"
    }

    /// The legend column: one swatch (a line or a box) and label per series.
    public static func legend(_ layout: Layout, labels: [String], boxes: Bool) -> String {
        var s = "<g class=\"legend\">\n"
        let x = layout.plotRight + 16
        let rowHeight = min(20, (layout.plotBottom - layout.plotTop) / Double(max(1, labels.count)))
        for (i, name) in labels.enumerated() {
            let y = layout.plotTop + 8 + Double(i) * rowHeight
            if boxes {
                s += "<rect x=\"\(f(x))\" y=\"\(f(y - 6))\" width=\"18\" height=\"12\" fill=\"\(colour(i))\"/>\n"
            } else {
                let d = dash(i).isEmpty ? "" : " stroke-dasharray=\"\(dash(i))\""
                s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 18))\" y2=\"\(f(y))\" stroke=\"\(colour(i))\" stroke-width=\"2.5\"\(d)/>\n"
            }
            let room = Int((layout.width - x - 24 - 4) / characterWidth)
            let limit = min(legendMaxCharacters, max(4, room))
            let shown = name.count > limit ? String(name.prefix(limit - 1)) + "…" : name
            s += "<text x=\"\(f(x + 24))\" y=\"\(f(y))\" dominant-baseline=\"middle\">\(escape(shown))</text>\n"
        }
        return s + "</g>\n"
    }
}
