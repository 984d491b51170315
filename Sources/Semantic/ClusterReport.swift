import NumCore
import Foundation
import Codebooks

/// Quality figures of a semantic-ID clustering: codebook utilisation, cluster sizes, and
/// agreement of the primary clusters with an item label (e.g. a category or genre).
///
/// Labels are one `Int32?` per item; items with `nil` are left out of NMI and purity. For
/// multi-label items (several genres) the caller picks one label, by convention the first
/// listed.
public struct ClusterReport: Sendable {
    /// A range of cluster sizes and how many clusters fall in it.
    public struct SizeBucket: Sendable, Equatable {
        /// Smallest size in the bucket.
        public let lower: Int
        /// Largest size in the bucket (inclusive).
        public let upper: Int
        /// Number of clusters whose size is in `lower...upper`.
        public let clusters: Int
    }

    /// Number of items.
    public let items: Int
    /// Items in each primary cluster.
    public let primarySizes: [Int]
    /// Items per secondary code (over all primary clusters).
    public let secondarySizes: [Int]
    /// Fraction of primary codes used by at least one item.
    public let primaryUtilisation: Double
    /// Fraction of secondary codes used by at least one item.
    public let secondaryUtilisation: Double
    /// Number of non-empty cells (p, s).
    public let occupiedCells: Int
    /// Primary clusters by size: `0`, `1`, `2-3`, `4-7`, `8-15`, ... (powers of two).
    public let sizeHistogram: [SizeBucket]
    /// Items with a label (the ones NMI and purity are computed over).
    public let labelledItems: Int
    /// Normalised mutual information between primary codes and labels, or `nil` without labels.
    public let nmi: Double?
    /// Purity of the primary clusters with respect to the labels, or `nil` without labels.
    public let purity: Double?

    /// Computes the report for `ids`, against `labels` (one per item) when given.
    public init(ids: SemanticIDs, labels: [Int32?]? = nil) {
        items = ids.count
        var p = [Int](repeating: 0, count: ids.kp), s = [Int](repeating: 0, count: ids.ks)
        for c in ids.primary { p[Int(c)] += 1 }
        for c in ids.secondary { s[Int(c)] += 1 }
        primarySizes = p
        secondarySizes = s
        primaryUtilisation = ids.kp == 0 ? 0 : Double(p.filter { $0 > 0 }.count) / Double(ids.kp)
        secondaryUtilisation = ids.ks == 0 ? 0 : Double(s.filter { $0 > 0 }.count) / Double(ids.ks)
        occupiedCells = ids.occupiedCells
        sizeHistogram = ClusterReport.histogram(p)
        if let labels {
            precondition(labels.count == ids.count, "\(labels.count) labels for \(ids.count) items")
            var clusters = [Int32](), classes = [Int32]()
            for (i, l) in labels.enumerated() { if let l { clusters.append(ids.primary[i]); classes.append(l) } }
            labelledItems = clusters.count
            nmi = clusters.isEmpty ? nil : ClusterReport.nmi(clusters, classes)
            purity = clusters.isEmpty ? nil : ClusterReport.purity(clusters: clusters, labels: classes)
        } else {
            labelledItems = 0
            nmi = nil
            purity = nil
        }
    }

    /// Buckets `0`, `1`, `2-3`, `4-7`, ... up to the largest size; every bucket is listed.
    static func histogram(_ sizes: [Int]) -> [SizeBucket] {
        let largest = sizes.max() ?? 0
        var buckets = [SizeBucket(lower: 0, upper: 0, clusters: sizes.filter { $0 == 0 }.count)]
        var lower = 1
        while lower <= largest {
            let upper = 2 * lower - 1
            buckets.append(SizeBucket(lower: lower, upper: upper, clusters: sizes.filter { $0 >= lower && $0 <= upper }.count))
            lower *= 2
        }
        return buckets
    }

    /// Normalised mutual information of two labelings of the same items,
    /// `NMI = 2 I(A; B) / (H(A) + H(B))` (arithmetic-mean normalisation, natural log);
    /// 1 when both are a single class (and so identical).
    public static func nmi(_ a: [Int32], _ b: [Int32]) -> Double {
        precondition(a.count == b.count, "labelings of different lengths")
        let n = Double(a.count)
        if a.isEmpty { return 1 }
        var ca = [Int32: Int](), cb = [Int32: Int](), joint = [Int64: Int]()
        for (x, y) in zip(a, b) {
            ca[x, default: 0] += 1
            cb[y, default: 0] += 1
            joint[Int64(x) << 32 | Int64(UInt32(bitPattern: y)), default: 0] += 1
        }
        func entropy(_ counts: Dictionary<Int32, Int>.Values) -> Double {
            counts.reduce(0.0) { acc, c in let p = Double(c) / n; return acc - p * log(p) }
        }
        let ha = entropy(ca.values), hb = entropy(cb.values)
        if ha + hb == 0 { return 1 }
        var mi = 0.0
        for (key, c) in joint {
            let x = Int32(truncatingIfNeeded: key >> 32), y = Int32(bitPattern: UInt32(truncatingIfNeeded: key))
            let pxy = Double(c) / n
            mi += pxy * log(pxy * n * n / (Double(ca[x]!) * Double(cb[y]!)))
        }
        return max(0, min(1, 2 * mi / (ha + hb)))
    }

    /// Purity: the fraction of items whose label is the most frequent label of their cluster.
    public static func purity(clusters: [Int32], labels: [Int32]) -> Double {
        precondition(clusters.count == labels.count, "labelings of different lengths")
        if clusters.isEmpty { return 1 }
        var counts = [Int32: [Int32: Int]]()
        for (c, l) in zip(clusters, labels) { counts[c, default: [:]][l, default: 0] += 1 }
        let majority = counts.values.reduce(0) { $0 + ($1.values.max() ?? 0) }
        return Double(majority) / Double(clusters.count)
    }

    /// A standalone SVG bar chart of the primary cluster sizes, sorted in decreasing order,
    /// with axes, tick labels and axis titles, in the frame of ``NumCore/SVGChart``.
    public func svgHistogram(title: String = "Primary cluster sizes", width: Int = 640, height: Int = 360) -> String {
        let sizes = primarySizes.sorted(by: >)
        var layout = SVGChart.Layout()
        layout.width = Double(width); layout.height = Double(height)
        layout.left = 64; layout.right = 16; layout.top = 36; layout.bottom = 52
        let (left, right, top, bottom) = (layout.plotLeft, layout.plotRight, layout.plotTop, layout.plotBottom)
        let maxSize = max(1, sizes.first ?? 1)
        let step = ClusterReport.niceStep(Double(maxSize) / 5)
        let yMax = (Double(maxSize) / step).rounded(.up) * step
        func y(_ v: Double) -> Double { bottom - (bottom - top) * v / yMax }
        let f = SVGChart.f
        var svg = SVGChart.open(layout, title: title)
        let ticks = (0...Int((yMax / step).rounded())).map { Double($0) * step }
        svg += SVGChart.yAxis(layout, ticks: ticks, decimals: 0, label: "items in cluster", y: y)
        let barW = sizes.isEmpty ? 0 : (right - left) / Double(sizes.count)
        for (r, size) in sizes.enumerated() where size > 0 {
            let barTop = y(Double(size))
            svg += "<rect x=\"\(f(left + Double(r) * barW))\" y=\"\(f(barTop))\" width=\"\(f(max(barW * 0.9, 0.5)))\" "
                + "height=\"\(f(bottom - barTop))\" fill=\"\(ClusterReport.barColour)\"/>\n"
        }
        svg += "<text x=\"\(f(left))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">1</text>\n"
        svg += "<text x=\"\(f(right))\" y=\"\(f(bottom + 16))\" text-anchor=\"end\">\(sizes.count)</text>\n"
        svg += SVGChart.xAxisLine(layout, label: "cluster rank (largest first)")
        return svg + "</svg>\n"
    }

    /// The fill of the histogram's bars (the first colour of the charts' palette).
    static var barColour: String { SVGChart.colour(0) }

    /// 1, 2 or 5 times a power of ten, at least `raw` (and at least 1).
    static func niceStep(_ raw: Double) -> Double {
        if raw <= 1 { return 1 }
        let p = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw { return (m * p).rounded() }
        return 10 * p
    }

}

extension ClusterReport: CustomStringConvertible {
    /// A plain-text report: utilisation, occupied cells, size histogram, NMI and purity.
    public var description: String {
        let kp = primarySizes.count, ks = secondarySizes.count
        var lines = [
            "items: \(items)",
            String(format: "primary codebook:   %d/%d used (%.1f%%), sizes min %d / max %d", primarySizes.filter { $0 > 0 }.count, kp,
                   100 * primaryUtilisation, primarySizes.min() ?? 0, primarySizes.max() ?? 0),
            String(format: "secondary codebook: %d/%d used (%.1f%%)", secondarySizes.filter { $0 > 0 }.count, ks, 100 * secondaryUtilisation),
            "occupied cells (p, s): \(occupiedCells) of \(kp * ks)",
            "primary cluster sizes:",
        ]
        for b in sizeHistogram {
            let range = b.lower == b.upper ? "\(b.lower)" : "\(b.lower)-\(b.upper)"
            lines.append("  \(range.padding(toLength: 12, withPad: " ", startingAt: 0))\(b.clusters)")
        }
        if let nmi, let purity {
            lines.append(String(format: "labels: %d items; NMI %.4f, purity %.4f", labelledItems, nmi, purity))
        } else {
            lines.append("labels: none")
        }
        return lines.joined(separator: "\n")
    }
}
