import Foundation
import NumCore
import Testing
@testable import Semantic

@Suite struct CodebookTests {
    /// Two modalities of `n` items in d = 4: items fall in 4 well-separated groups; the second
    /// modality is the first plus a group-independent offset per item parity.
    private func data(n: Int = 240, seed: UInt64 = 3) -> (fused: Matrix, modalities: [Matrix], available: [[Bool]]) {
        var rng = RandomSource(seed: seed)
        let d = 4
        let a = Matrix(rows: n, cols: d), b = Matrix(rows: n, cols: d)
        var avail = [[Bool]](repeating: [Bool](repeating: true, count: n), count: 2)
        for i in 0..<n {
            let g = i % 4
            for j in 0..<d {
                let centre: Float = j == g ? 10 : 0
                a[i, j] = centre + 0.2 * rng.normal()
                b[i, j] = centre + (i % 8 < 4 ? 1 : -1) + 0.2 * rng.normal()
            }
            if i % 10 == 9 { avail[1][i] = false }
        }
        return (CascadedCodebooks.fuse(modalities: [a, b], available: avail), [a, b], avail)
    }

    @Test func fitGivesValidCodesAndConsistentIndex() {
        let (fused, mods, avail) = data()
        let fit = CascadedCodebooks.fit(fused: fused, modalities: mods, available: avail, kp: 4, ks: 3, seed: 5)
        let ids = fit.ids
        #expect(ids.count == 240)
        #expect(ids.primary.allSatisfy { $0 >= 0 && $0 < 4 })
        #expect(ids.secondary.allSatisfy { $0 >= 0 && $0 < 3 })
        #expect(fit.codebooks.primary.rows == 4)
        #expect(fit.codebooks.secondary.cols == 8)
        var seen = 0
        for p in Int32(0)..<4 {
            let members = ids.items(primary: p)
            #expect(members.allSatisfy { ids.primary[Int($0)] == p })
            var cellTotal = 0
            for s in Int32(0)..<3 {
                let cell = Array(ids.items(primary: p, secondary: s))
                #expect(cell == (0..<240).filter { ids.primary[$0] == p && ids.secondary[$0] == s }.map(Int32.init))
                cellTotal += cell.count
            }
            #expect(cellTotal == members.count)
            seen += members.count
        }
        #expect(seen == 240)
        // The four groups are the primary clusters.
        for i in 0..<240 { #expect(ids.primary[i] == ids.primary[i % 4]) }
    }

    @Test func residualsHandExample() {
        let f1 = Matrix(rows: 2, cols: 2, values: [1, 2, 3, 4])
        let f2 = Matrix(rows: 2, cols: 2, values: [5, 6, 7, 8])
        let c1 = Matrix(rows: 2, cols: 2, values: [0, 1, 10, 10])
        // Item 1 lacks modality 2: its second block is zero.
        let r = CascadedCodebooks.residuals(modalities: [f1, f2], available: [[true, true], [true, false]],
                                            primaryCentroids: c1, primary: [0, 1])
        #expect(r.rows == 2)
        #expect(r.array == [1, 1, 5, 5, -7, -6, 0, 0])
        let fused = CascadedCodebooks.fuse(modalities: [f1, f2], available: [[true, true], [true, false]])
        #expect(fused.array == [3, 4, 3, 4])
    }

    @Test func assignNewReturnsTrainingCodes() {
        let (fused, mods, avail) = data()
        let fit = CascadedCodebooks.fit(fused: fused, modalities: mods, available: avail, kp: 4, ks: 3, seed: 5)
        // Each training item's codes are those of the nearest centroids (the groups are far
        // apart and converged), so assignNew reproduces them.
        let nearestPrimary = KMeans.assign(fused, centroids: fit.codebooks.primary).assignments
        let r = CascadedCodebooks.residuals(modalities: mods, available: avail, primaryCentroids: fit.codebooks.primary, primary: fit.ids.primary)
        let nearestSecondary = KMeans.assign(r, centroids: fit.codebooks.secondary).assignments
        var checked = 0
        for i in 0..<240 where nearestPrimary[i] == fit.ids.primary[i] && nearestSecondary[i] == fit.ids.secondary[i] {
            checked += 1
            let vectors: [[Float]?] = (0..<2).map { m in avail[m][i] ? mods[m].rowArray(i) : nil }
            let (p, s) = fit.codebooks.assignNew(modalityVectors: vectors)
            #expect(p == fit.ids.primary[i], "item \(i)")
            #expect(s == fit.ids.secondary[i], "item \(i)")
        }
        #expect(nearestPrimary == fit.ids.primary)
        #expect(checked > 200)
    }

    @Test func safeTensorsAndTSVRoundTrip() throws {
        let (fused, mods, avail) = data(n: 80)
        let fit = CascadedCodebooks.fit(fused: fused, modalities: mods, available: avail,
                                        modalityNames: ["text", "behaviour"], kp: 4, ks: 2, seed: 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("codebook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("codebooks.safetensors")
        try fit.codebooks.write(to: url, ids: fit.ids)
        let (back, ids) = try CascadedCodebooks.read(from: url)
        #expect(back.primary.array == fit.codebooks.primary.array)
        #expect(back.secondary.array == fit.codebooks.secondary.array)
        #expect(back.modalityNames == ["text", "behaviour"])
        #expect(ids == fit.ids)
        try fit.codebooks.write(to: url, extraTensors: [("alignment.text.weight", Matrix(rows: 2, cols: 2, values: [1, 2, 3, 4]))],
                                extraMetadata: ["esans.msac_config": "kp=4", "kp": "ignored"])
        #expect(try CascadedCodebooks.read(from: url).ids == nil)
        let raw = try SafeTensorsFile.read(from: url)
        #expect(try raw.matrix("alignment.text.weight").array == [1, 2, 3, 4])
        #expect(raw.metadata["esans.msac_config"] == "kp=4")
        #expect(raw.metadata["kp"] == "4")

        let tsv = dir.appendingPathComponent("semantic_ids.tsv")
        let names = (0..<80).map { "item\($0)" }
        try fit.ids.writeTSV(itemIDs: names, to: tsv)
        let text = try String(contentsOf: tsv, encoding: .utf8)
        #expect(text.hasPrefix("item_id\tprimary\tsecondary\nitem0\t\(fit.ids.primary[0])\t\(fit.ids.secondary[0])\n"))
        let (readNames, readIDs) = try SemanticIDs.readTSV(from: tsv, kp: 4, ks: 2)
        #expect(readNames == names)
        #expect(readIDs == fit.ids)

        // A plain safetensors file without the format tag is rejected.
        var other = SafeTensorsFile()
        other.add(name: "x", matrix: Matrix(rows: 1, cols: 1))
        try other.write(to: url)
        #expect(throws: (any Error).self) { try CascadedCodebooks.read(from: url) }
    }

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
        #expect(svg.components(separatedBy: "fill=\"#4c72b0\"").count - 1 == 3)
        if let out = ProcessInfo.processInfo.environment["ESANS_SVG_OUT"] {
            try? svg.write(toFile: out, atomically: true, encoding: .utf8)
        }
    }
}
