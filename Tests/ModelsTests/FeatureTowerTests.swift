import TestSupport
import Testing
import Foundation
import NumCore
@testable import Models

/// Towers with dense side features whose ID embedding is left out for some rows (items without
/// training interactions) or at random (ID dropout): forward, finite-difference gradients, and
/// the checkpoint that carries the feature table.
@Suite struct FeatureTowerTests {
    private func tower(seed: UInt64, vocab: Int, dim: Int, featureDim: Int, hidden: [Int] = []) -> (Tower, RandomSource) {
        var rng = RandomSource(seed: seed)
        let t = Tower(name: "item", config: TowerConfig(featureDim: featureDim, hidden: hidden), dim: dim, vocabulary: vocab,
                      historyVocabulary: 0, sharedHistoryTable: nil, initStd: 0.5, rng: &rng)
        t.setFeatures(randomMatrix(vocab, featureDim, &rng, scale: 0.7))
        for i in 0..<dim { t.featureProjection!.bias.value.data[i] = rng.normal() * 0.1 }
        for l in t.mlp { for i in 0..<l.outputs { l.bias.value.data[i] = rng.normal() * 0.2 } }
        return (t, rng)
    }

    /// An omitted row's vector is its features' projection alone, whatever its ID row holds,
    /// and every gradient matches central differences; the omitted row's ID embedding gets none.
    @Test func omittedRowsUseTheFeaturePathAlone() throws {
        let (t, rng0) = tower(seed: 31, vocab: 6, dim: 4, featureDim: 3)
        var rng = rng0
        var omitted = [Bool](repeating: false, count: 6)
        omitted[4] = true
        t.setIDOmitted(omitted)
        let input = Tower.Input(ids: [4, 1, 4, 2])
        let y4 = t.forward(input).rowArray(0)
        // Changing row 4's ID embedding changes nothing.
        for j in 0..<4 { t.embedding!.table.value[4, j] += 3 }
        #expect(t.forward(input).rowArray(0) == y4)
        // It equals the normalised projection of row 4's features.
        let proj = Matrix(rows: 1, cols: 4)
        let f = Matrix(rows: 1, cols: 3)
        f.row(0).update(from: t.features!.row(4), count: 3)
        t.featureProjection!.forward(f, rows: 1, into: proj)
        let norm = proj.array.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
        for j in 0..<4 { #expect(abs(Double(y4[j]) - Double(proj[0, j]) / norm) < 1e-6) }

        let w = randomMatrix(input.ids.count, 4, &rng)
        func loss() -> Double { weightedSum(t.forward(input), w) }
        _ = loss()
        t.backward(w.copy())
        let table = t.embedding!.table
        #expect(Set(table.touchedRows) == [1, 2], "only the rows that used their ID embedding are touched")
        for p in t.parameters {
            let numeric = numericGradient(of: p.value, loss)
            if p.sparse {
                var a: [Float] = [], n: [Double] = []
                for r in [1, 2] { for j in 0..<4 { a.append(p.grad[r, j]); n.append(numeric[r * 4 + j]) } }
                expectGradientsMatch(a, n, p.name)
                #expect((0..<4).allSatisfy { numeric[4 * 4 + $0] == 0 && p.grad[4, $0] == 0 })
            } else {
                expectGradientsMatch(p.grad.array, numeric, p.name)
            }
        }
    }

    /// ID dropout: the rows it leaves out are drawn from the seed (the same seed, the same rows),
    /// never rows without features, and the gradients of the pass match central differences.
    @Test func idDropoutIsSeededAndSkipsRowsWithoutFeatures() throws {
        let (t, rng0) = tower(seed: 32, vocab: 8, dim: 4, featureDim: 3)
        var rng = rng0
        var present = [Bool](repeating: true, count: 8)
        present[3] = false
        t.setFeatures(t.features!, present: present)
        let ids: [Int32] = [0, 1, 2, 3, 3, 5, 6, 7, 3, 1]
        let input = Tower.Input(ids: ids)
        let drop = Dropout(rate: 0.5, seed: 77)
        let a = t.forward(input, idDropout: drop).array
        #expect(t.forward(input, idDropout: drop).array == a)
        let plain = t.forward(input).array
        var changed = Set<Int>()
        for b in 0..<ids.count where a[(b * 4)..<(b * 4 + 4)] != plain[(b * 4)..<(b * 4 + 4)] { changed.insert(b) }
        #expect(!changed.isEmpty && changed.count < ids.count, "rate 0.5 over 10 rows leaves out some, not all: \(changed)")
        #expect(!changed.contains(3) && !changed.contains(4) && !changed.contains(8), "row 3 has no features: its ID is never left out")

        let w = randomMatrix(ids.count, 4, &rng)
        func loss() -> Double { weightedSum(t.forward(input, idDropout: drop), w) }
        _ = loss()
        t.backward(w.copy())
        let leftOutIDs = Set(changed.map { ids[$0] })
        let usedIDs = Set(ids.indices.filter { !changed.contains($0) }.map { ids[$0] })
        #expect(Set(t.embedding!.table.touchedRows) == usedIDs)
        for p in t.parameters {
            let numeric = numericGradient(of: p.value, loss)
            if p.sparse {
                var ga: [Float] = [], gn: [Double] = []
                for r in usedIDs.sorted() { for j in 0..<4 { ga.append(p.grad[Int(r), j]); gn.append(numeric[Int(r) * 4 + j]) } }
                expectGradientsMatch(ga, gn, p.name)
                for r in leftOutIDs.subtracting(usedIDs) { #expect((0..<4).allSatisfy { p.grad[Int(r), $0] == 0 }) }
            } else {
                expectGradientsMatch(p.grad.array, numeric, p.name)
            }
        }
    }

    /// A row whose ID embedding is left out reads its cold features (those it has without
    /// interactions) instead of its features; the others read their features; the projection's
    /// gradients follow the rows each one read.
    @Test func leftOutRowsReadTheirColdFeatures() throws {
        let (t, rng0) = tower(seed: 33, vocab: 6, dim: 4, featureDim: 3)
        var rng = rng0
        let cold = randomMatrix(6, 3, &rng, scale: 0.7)
        t.setFeatures(t.features!, cold: cold)
        var omitted = [Bool](repeating: false, count: 6)
        omitted[2] = true
        t.setIDOmitted(omitted)
        let input = Tower.Input(ids: [2, 5])
        let y = t.forward(input).array
        func projected(_ m: Matrix, _ r: Int) -> [Float] {
            let x = Matrix(rows: 1, cols: 3), p = Matrix(rows: 1, cols: 4)
            x.row(0).update(from: m.row(r), count: 3)
            t.featureProjection!.forward(x, rows: 1, into: p)
            return p.array
        }
        let c2 = projected(cold, 2), n = c2.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
        for j in 0..<4 { #expect(abs(Double(y[j]) - Double(c2[j]) / n) < 1e-6, "row 2 reads its cold features") }
        var f5 = projected(t.features!, 5)
        for j in 0..<4 { f5[j] += t.embedding!.table.value[5, j] }
        let n5 = f5.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
        for j in 0..<4 { #expect(abs(Double(y[4 + j]) - Double(f5[j]) / n5) < 1e-6, "row 5 reads its ID and its features") }
        let w = randomMatrix(2, 4, &rng)
        func loss() -> Double { weightedSum(t.forward(input), w) }
        _ = loss()
        t.backward(w.copy())
        for p in [t.featureProjection!.weight, t.featureProjection!.bias] {
            expectGradientsMatch(p.grad.array, numericGradient(of: p.value, loss), p.name)
        }
    }

    /// A checkpoint carries the feature table, the presence flags and the omitted rows; a model
    /// loaded from it gives the same vectors, and one without the table is refused.
    @Test func checkpointCarriesTheFeatureTable() throws {
        var config = ModelConfig()
        config.dim = 4
        config.item = TowerConfig(featureDim: 3)
        config.user = TowerConfig(featureDim: 2)
        let model = TwoTowerModel(config: config, numUsers: 5, numItems: 7, seed: 4)
        var rng = RandomSource(seed: 9)
        model.itemTower.setFeatures(randomMatrix(7, 3, &rng), present: [true, true, false, true, true, true, true], cold: randomMatrix(7, 3, &rng))
        model.itemTower.setIDOmitted([false, false, false, false, false, true, true])
        model.userTower.setFeatures(randomMatrix(5, 2, &rng))
        let tmp = TempDir()
        let url = tmp.file("m.safetensors")
        try Checkpoint.save(model: model, optimizer: nil, metadata: [:], to: url)
        let (loaded, _) = try Checkpoint.load(from: url)
        #expect(bits(loaded.itemTower.features!) == bits(model.itemTower.features!))
        #expect(loaded.itemTower.featurePresent == model.itemTower.featurePresent)
        #expect(bits(loaded.itemTower.coldFeatures!) == bits(model.itemTower.coldFeatures!) && loaded.userTower.coldFeatures == nil)
        #expect(loaded.itemTower.idOmitted == model.itemTower.idOmitted)
        #expect(loaded.userTower.featurePresent == nil && bits(loaded.userTower.features!) == bits(model.userTower.features!))
        let a = TwoTowerModel.encodeAll(model.itemTower, count: 7), b = TwoTowerModel.encodeAll(loaded.itemTower, count: 7)
        #expect(bits(a) == bits(b))

        let plain = TwoTowerModel(config: config, numUsers: 5, numItems: 7, seed: 4)
        let file = try SafeTensorsFile.read(from: url)
        var stripped = SafeTensorsFile()
        stripped.metadata = file.metadata
        for name in file.names where name != "item.features" {
            if name.hasSuffix("_present") || name.hasSuffix("_omitted") { stripped.add(name: name, int32: try file.int32s(name)) } else {
                stripped.add(name: name, matrix: try file.matrix(name))
            }
        }
        try stripped.write(to: tmp.file("stripped.safetensors"))
        do {
            try Checkpoint.restore(into: plain, optimizer: nil, from: tmp.file("stripped.safetensors"))
            Issue.record("a model file without its feature table was accepted")
        } catch {
            #expect("\(error)".contains("item.features"), "\(error)")
        }
    }
}
