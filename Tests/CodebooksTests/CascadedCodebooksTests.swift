import Foundation
import NumCore
import Testing
@testable import Codebooks
@testable import Clustering

@Suite struct CascadedCodebooksTests {
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
}
