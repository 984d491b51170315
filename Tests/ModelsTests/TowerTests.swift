import TestSupport
import Testing
import NumCore
@testable import Models

/// End-to-end finite-difference checks of towers and the two-tower model: every parameter's
/// gradient under `L = sum(W ⊙ output)`.
@Suite struct TowerTests {
    /// Checks every parameter in `parameters` against central differences of `loss` (which
    /// must run the forward passes), given that `backward` has already filled the gradients.
    /// For sparse parameters, rows outside `touched` must have exactly zero gradient.
    private func checkParameters(_ parameters: [Parameter], touched: [String: Set<Int>], loss: () -> Double,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        for p in parameters {
            let numeric = numericGradient(of: p.value, loss)
            if p.sparse {
                let rows = touched[p.name] ?? []
                #expect(Set(p.touchedRows.map { Int($0) }) == rows, "\(p.name): touched rows", sourceLocation: sourceLocation)
                for r in 0..<p.value.rows where !rows.contains(r) {
                    #expect(p.grad.rowArray(r).allSatisfy { $0 == 0 }, "\(p.name): untouched row \(r) has a gradient",
                            sourceLocation: sourceLocation)
                }
                // Only the touched rows carry information; check those.
                var a: [Float] = [], n: [Double] = []
                for r in rows.sorted() {
                    for j in 0..<p.value.cols { a.append(p.grad[r, j]); n.append(numeric[r * p.value.cols + j]) }
                }
                expectGradientsMatch(a, n, p.name, sourceLocation: sourceLocation)
            } else {
                expectGradientsMatch(p.grad.array, numeric, p.name, sourceLocation: sourceLocation)
            }
        }
    }

    private func expectUnitRows(_ y: Matrix, rows: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        for r in 0..<rows {
            var s = 0.0
            for j in 0..<y.cols { s += Double(y[r, j]) * Double(y[r, j]) }
            #expect(abs(s - 1) < 1e-5, "row \(r) has squared norm \(s)", sourceLocation: sourceLocation)
        }
    }

    @Test func idEmbeddingWithMLP() {
        var rng = RandomSource(seed: 21)
        let dim = 4
        let tower = Tower(name: "item", config: TowerConfig(hidden: [6]), dim: dim, vocabulary: 7, historyVocabulary: 0,
                          sharedHistoryTable: nil, initStd: 0.5, rng: &rng)
        #expect(tower.mlp.count == 2 && tower.mlp[0].outputs == 6 && tower.mlp[1].outputs == dim)
        #expect(tower.parameters.map(\.name) == ["item.embedding", "item.mlp.0.weight", "item.mlp.0.bias",
                                                 "item.mlp.1.weight", "item.mlp.1.bias"])
        for l in tower.mlp { for i in 0..<l.outputs { l.bias.value.data[i] = rng.normal() * 0.1 } }
        let input = Tower.Input(ids: [2, 5, 2, 0])
        let w = randomMatrix(input.ids.count, dim, &rng)
        func loss() -> Double { weightedSum(tower.forward(input), w) }
        _ = loss()
        expectUnitRows(tower.output, rows: input.ids.count)
        tower.backward(w.copy())
        checkParameters(tower.parameters, touched: ["item.embedding": [0, 2, 5]], loss: loss)
    }

    @Test func idEmbeddingOnlyTowerIsNormalisedEmbedding() {
        var rng = RandomSource(seed: 22)
        let tower = Tower(name: "user", config: TowerConfig(), dim: 3, vocabulary: 4, historyVocabulary: 0,
                          sharedHistoryTable: nil, initStd: 0.5, rng: &rng)
        let y = tower.forward(Tower.Input(ids: [3]))
        let e = tower.embedding!.table.value.rowArray(3)
        let n = e.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
        for j in 0..<3 { #expect(abs(Double(y[0, j]) - Double(e[j]) / n) < 1e-6) }
        let w = randomMatrix(2, 3, &rng)
        func loss() -> Double { weightedSum(tower.forward(Tower.Input(ids: [3, 1])), w) }
        _ = loss()
        tower.backward(w.copy())
        checkParameters(tower.parameters, touched: ["user.embedding": [1, 3]], loss: loss)
    }

    @Test func itemTowerWithDenseFeatures() {
        var rng = RandomSource(seed: 23)
        let dim = 4, vocab = 6
        let tower = Tower(name: "item", config: TowerConfig(featureDim: 3), dim: dim, vocabulary: vocab, historyVocabulary: 0,
                          sharedHistoryTable: nil, initStd: 0.5, rng: &rng)
        tower.setFeatures(randomMatrix(vocab, 3, &rng, scale: 0.7))
        for i in 0..<dim { tower.featureProjection!.bias.value.data[i] = rng.normal() * 0.1 }
        #expect(Set(tower.parameters.map(\.name)) == ["item.embedding", "item.features.weight", "item.features.bias"])
        let input = Tower.Input(ids: [4, 1, 4])
        let w = randomMatrix(input.ids.count, dim, &rng)
        func loss() -> Double { weightedSum(tower.forward(input), w) }
        _ = loss()
        expectUnitRows(tower.output, rows: 3)
        tower.backward(w.copy())
        checkParameters(tower.parameters, touched: ["item.embedding": [1, 4]], loss: loss)
    }

    @Test func featureOnlyTowerWithMLP() {
        var rng = RandomSource(seed: 24)
        let dim = 3, vocab = 5
        let tower = Tower(name: "item", config: TowerConfig(idEmbedding: false, featureDim: 3, hidden: [5]), dim: dim,
                          vocabulary: vocab, historyVocabulary: 0, sharedHistoryTable: nil, initStd: 0.5, rng: &rng)
        tower.setFeatures(randomMatrix(vocab, 3, &rng, scale: 0.8))
        #expect(tower.embedding == nil)
        for l in tower.mlp { for i in 0..<l.outputs { l.bias.value.data[i] = rng.normal() * 0.2 } }
        let input = Tower.Input(ids: [0, 3, 2])
        let w = randomMatrix(input.ids.count, dim, &rng)
        func loss() -> Double { weightedSum(tower.forward(input), w) }
        _ = loss()
        expectUnitRows(tower.output, rows: 3)
        tower.backward(w.copy())
        checkParameters(tower.parameters, touched: [:], loss: loss)
    }

    @Test func userTowerWithOwnHistoryTable() {
        var rng = RandomSource(seed: 25)
        let tower = Tower(name: "user", config: TowerConfig(idEmbedding: false, history: true), dim: 3, vocabulary: 4,
                          historyVocabulary: 5, sharedHistoryTable: nil, initStd: 0.5, rng: &rng)
        #expect(tower.parameters.map(\.name) == ["user.history_embedding"])
        let input = Tower.Input(ids: [0, 1], histories: [[0, 3], [3, 4]])
        let w = randomMatrix(2, 3, &rng)
        func loss() -> Double { weightedSum(tower.forward(input), w) }
        _ = loss()
        tower.backward(w.copy())
        checkParameters(tower.parameters, touched: ["user.history_embedding": [0, 3, 4]], loss: loss)
    }

    /// The user tower pools the item tower's table: its gradient gets both towers' parts.
    @Test func sharedItemTableGetsBothTowersGradients() {
        var config = ModelConfig()
        config.dim = 4
        config.initStd = 0.5
        config.user = TowerConfig(history: true, hidden: [5])
        let model = TwoTowerModel(config: config, numUsers: 3, numItems: 6, seed: 3)
        let itemTable = model.itemTower.embedding!.table
        #expect(model.userTower.historyPool!.table === itemTable)
        let names = model.parameters.map(\.name)
        #expect(names.filter { $0 == "item.embedding" }.count == 1, "the shared table must be listed once: \(names)")
        #expect(!names.contains("user.history_embedding"))
        #expect(names.first == "user.embedding")

        var rng = RandomSource(seed: 26)
        // Non-zero biases: with zero biases a row whose hidden units are all cut by the ReLU
        // has a zero pre-norm vector, where normalisation is not differentiable.
        for l in model.userTower.mlp { for i in 0..<l.outputs { l.bias.value.data[i] = rng.normal() * 0.2 } }
        let userInput = Tower.Input(ids: [0, 1, 2], histories: [[1, 2], [2, 4], []])
        let itemInput = Tower.Input(ids: [2, 3, 5])
        let wu = randomMatrix(3, 4, &rng), wi = randomMatrix(3, 4, &rng)
        func loss() -> Double {
            weightedSum(model.userTower.forward(userInput), wu) + weightedSum(model.itemTower.forward(itemInput), wi)
        }
        func userLoss() -> Double { weightedSum(model.userTower.forward(userInput), wu) }
        func itemLoss() -> Double { weightedSum(model.itemTower.forward(itemInput), wi) }
        _ = loss()
        expectUnitRows(model.userTower.forward(userInput), rows: 3)
        _ = loss()
        model.itemTower.backward(wi.copy())
        model.userTower.backward(wu.copy())
        checkParameters(model.parameters, touched: ["user.embedding": [0, 1, 2], "item.embedding": [1, 2, 3, 4, 5]], loss: loss)

        // Row 2 is both a scored item and a history item: each part alone is non-zero and
        // the table's gradient is their sum.
        let numUser = numericGradient(of: itemTable.value, userLoss)
        let numItem = numericGradient(of: itemTable.value, itemLoss)
        for j in 0..<4 {
            let k = 2 * 4 + j
            #expect(derivativesAgree(Double(itemTable.grad[2, j]), numUser[k] + numItem[k]))
        }
        #expect((0..<4).contains { abs(numUser[8 + $0]) > 1e-3 } && (0..<4).contains { abs(numItem[8 + $0]) > 1e-3 })
        // Row 1 only comes from a history, row 3 only from the item tower.
        #expect((0..<4).allSatisfy { numItem[4 + $0] == 0 } && (0..<4).allSatisfy { numUser[12 + $0] == 0 })

        model.zeroGrad()
        for p in model.parameters { #expect(p.grad.array.allSatisfy { $0 == 0 } && p.touchedRows.isEmpty) }
    }

    @Test func modelInitIsSeededAndEncodeAllMatchesForward() {
        var config = ModelConfig()
        config.dim = 3
        config.user = TowerConfig(history: true)
        let a = TwoTowerModel(config: config, numUsers: 5, numItems: 4, seed: 9)
        let b = TwoTowerModel(config: config, numUsers: 5, numItems: 4, seed: 9)
        let c = TwoTowerModel(config: config, numUsers: 5, numItems: 4, seed: 10)
        for (p, q) in zip(a.parameters, b.parameters) { #expect(bits(p.value) == bits(q.value)) }
        #expect(bits(a.parameters[0].value) != bits(c.parameters[0].value))

        let histories: [ArraySlice<Int32>] = [[0], [1, 2], [], [3], [0, 3]]
        let all = TwoTowerModel.encodeAll(a.userTower, count: 5, chunk: 2) { histories[$0] }
        #expect(all.rows == 5 && all.cols == 3)
        let direct = a.userTower.forward(Tower.Input(ids: [0, 1, 2, 3, 4], histories: histories))
        for r in 0..<5 { for j in 0..<3 { #expect(abs(all[r, j] - direct[r, j]) < 1e-6) } }
        let items = TwoTowerModel.encodeAll(a.itemTower, count: 4, chunk: 3)
        let directItems = a.itemTower.forward(Tower.Input(ids: [0, 1, 2, 3]))
        for r in 0..<4 { for j in 0..<3 { #expect(items[r, j] == directItems[r, j]) } }
    }
}
