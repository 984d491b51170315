import Foundation
import NumCore
import Testing
@testable import Semantic
@testable import Codebooks

/// The figures of an MSAC report: NMI, purity, utilisation, the size histogram and its SVG.
@Suite struct ClusterReportTests {
    @Test func nmiAndPurity() {
        let a: [Int32] = [0, 0, 1, 1, 2, 2]
        #expect(abs(ClusterReport.nmi(a, a) - 1) <= 1e-12)
        // Renamed clusters are the same partition.
        #expect(abs(ClusterReport.nmi(a, [5, 5, 3, 3, 9, 9]) - 1) <= 1e-12)
        var rng = RandomSource(seed: 2)
        let x = (0..<20_000).map { _ in Int32(rng.below(5)) }
        let y = (0..<20_000).map { _ in Int32(rng.below(4)) }
        #expect(ClusterReport.nmi(x, y) < 0.002)
        // Hand example: clusters {a,a,b}, {b,b,c,c}: majorities 2 + 2 of 7.
        #expect(abs(ClusterReport.purity(clusters: [0, 0, 0, 1, 1, 1, 1], labels: [7, 7, 8, 8, 8, 9, 9]) - (4.0 / 7)) <= 1e-12)
        // NMI hand value: A = [0,0,1,1], B = [0,0,0,1]: I = 1.5 ln 2 - 0.75 ln 3 ...
        let hA = log(2.0), hB = -(0.75 * log(0.75) + 0.25 * log(0.25))
        let mi = 0.5 * log(0.5 / (0.5 * 0.75)) + 0.25 * log(0.25 / (0.5 * 0.75)) + 0.25 * log(0.25 / (0.5 * 0.25))
        #expect(abs(ClusterReport.nmi([0, 0, 1, 1], [0, 0, 0, 1]) - (2 * mi / (hA + hB))) <= 1e-12)
    }

    @Test func reportFigures() {
        let ids = SemanticIDs(primary: [0, 0, 0, 1, 1, 3, 3, 3, 3], secondary: [0, 1, 0, 0, 0, 1, 1, 1, 0], kp: 5, ks: 3)
        let labels: [Int32?] = [1, 1, 2, nil, 4, 5, 5, 5, nil]
        let report = ClusterReport(ids: ids, labels: labels)
        #expect(report.primarySizes == [3, 2, 0, 4, 0])
        #expect(abs(report.primaryUtilisation - 0.6) <= 1e-12)
        #expect(abs(report.secondaryUtilisation - (2.0 / 3)) <= 1e-12)
        #expect(report.occupiedCells == 5)
        #expect(report.sizeHistogram == [
            .init(lower: 0, upper: 0, clusters: 2), .init(lower: 1, upper: 1, clusters: 0),
            .init(lower: 2, upper: 3, clusters: 2), .init(lower: 4, upper: 7, clusters: 1),
        ])
        #expect(report.labelledItems == 7)
        #expect(abs(report.purity! - (6.0 / 7)) <= 1e-12)
        #expect(report.description.contains("3/5 used"))
        #expect(ClusterReport(ids: ids).nmi == nil)
        let svg = report.svgHistogram()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("cluster rank"))
        #expect(svg.components(separatedBy: "fill=\"\(ClusterReport.barColour)\"").count - 1 == 3)
        if let out = ProcessInfo.processInfo.environment["ESANS_SVG_OUT"] {
            try? svg.write(toFile: out, atomically: true, encoding: .utf8)
        }
    }
}
