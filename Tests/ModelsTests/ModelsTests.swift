import TestSupport
import Testing
import NumCore
@testable import Models

/// Forward results and finite-difference checks of every layer's backward, on a scalar loss
/// `L = sum(W ⊙ output)` with a fixed random `W` (so `dL/doutput = W`).
@Suite struct LayerTests {
    // MARK: LinearLayer

    @Test func linearForwardIsXWPlusB() {
        var rng = RandomSource(seed: 1)
        let layer = LinearLayer(name: "l", inputs: 3, outputs: 2, rng: &rng)
        for i in 0..<2 { layer.bias.value.data[i] = rng.normal() }
        let x = randomMatrix(4, 3, &rng)
        let y = Matrix(rows: 4, cols: 2)
        layer.forward(x, rows: 4, into: y)
        for r in 0..<4 {
            for c in 0..<2 {
                var e = Double(layer.bias.value[0, c])
                for k in 0..<3 { e += Double(x[r, k]) * Double(layer.weight.value[k, c]) }
                #expect(abs(Double(y[r, c]) - e) < 1e-5)
            }
        }
        #expect(layer.weight.decays && !layer.bias.decays)
        #expect(layer.weight.name == "l.weight" && layer.bias.name == "l.bias")
    }

    @Test func linearBackwardMatchesFiniteDifferences() {
        var rng = RandomSource(seed: 2)
        let layer = LinearLayer(name: "l", inputs: 4, outputs: 3, rng: &rng)
        for i in 0..<3 { layer.bias.value.data[i] = rng.normal() * 0.3 }
        let n = 5
        let x = randomMatrix(n, 4, &rng, scale: 0.5)
        let w = randomMatrix(n, 3, &rng)
        let y = Matrix(rows: n, cols: 3)
        func loss() -> Double { layer.forward(x, rows: n, into: y); return weightedSum(y, w) }
        _ = loss()
        let dx = Matrix(rows: n, cols: 4)
        layer.backward(x: x, dy: w, rows: n, dx: dx)
        expectGradientsMatch(layer.weight.grad.array, numericGradient(of: layer.weight.value, loss), "dW")
        expectGradientsMatch(layer.bias.grad.array, numericGradient(of: layer.bias.value, loss), "db")
        expectGradientsMatch(dx.array, numericGradient(of: x, loss), "dX")

        // Parameter gradients accumulate over backward calls (dx is overwritten).
        let dW1 = layer.weight.grad.array, db1 = layer.bias.grad.array
        layer.backward(x: x, dy: w, rows: n, dx: dx)
        for i in 0..<dW1.count { #expect(abs(layer.weight.grad.data[i] - 2 * dW1[i]) <= 1e-5 * max(1, abs(dW1[i]))) }
        for i in 0..<db1.count { #expect(abs(layer.bias.grad.data[i] - 2 * db1[i]) <= 1e-5 * max(1, abs(db1[i]))) }
        expectGradientsMatch(dx.array, numericGradient(of: x, loss), "dX after a second backward")
    }

    // MARK: ReLU

    @Test func reluBackwardMatchesFiniteDifferencesAwayFromKinks() {
        var rng = RandomSource(seed: 3)
        let x = randomMatrix(4, 5, &rng)
        // Keep every input at least 5 eps from the kink at 0.
        for i in 0..<x.count where abs(x.data[i]) < 5 * fdEpsilon {
            x.data[i] = x.data[i] < 0 ? -0.1 - x.data[i] * x.data[i] : 0.1 + x.data[i] * x.data[i]
        }
        #expect(x.array.contains { $0 < 0 } && x.array.contains { $0 > 0 })
        let w = randomMatrix(4, 5, &rng)
        func loss() -> Double {
            let y = x.copy()
            ReLULayer.forward(y, rows: 4)
            return weightedSum(y, w)
        }
        let y = x.copy()
        ReLULayer.forward(y, rows: 4)
        for i in 0..<x.count { #expect(y.data[i] == max(x.data[i], 0)) }
        let dy = w.copy()
        ReLULayer.backward(y: y, dy: dy, rows: 4)
        for i in 0..<x.count { #expect(dy.data[i] == (x.data[i] > 0 ? w.data[i] : 0)) }
        expectGradientsMatch(dy.array, numericGradient(of: x, loss), "ReLU dX")
    }

    @Test func reluTouchesOnlyTheFirstRows() {
        let x = Matrix(rows: 3, cols: 2, values: [-1, 2, -3, 4, -5, 6])
        ReLULayer.forward(x, rows: 2)
        #expect(x.array == [0, 2, 0, 4, -5, 6])
    }

    // MARK: L2 normalisation

    @Test func l2NormalizeForward() {
        var rng = RandomSource(seed: 4)
        let x = randomMatrix(3, 5, &rng, scale: 0.4)
        for j in 0..<5 { x[2, j] = 0 }   // a zero row stays zero, no NaN
        let y = Matrix(rows: 3, cols: 5)
        var norms: [Float] = []
        L2NormalizeLayer.forward(x, rows: 3, into: y, norms: &norms)
        #expect(norms.count >= 3)
        for r in 0..<2 {
            var n2 = 0.0, y2 = 0.0
            for j in 0..<5 { n2 += Double(x[r, j] * x[r, j]); y2 += Double(y[r, j] * y[r, j]) }
            #expect(abs(Double(norms[r]) - n2.squareRoot()) < 1e-5)
            #expect(abs(y2 - 1) < 1e-5)
            for j in 0..<5 { #expect(abs(Double(y[r, j]) - Double(x[r, j]) / n2.squareRoot()) < 1e-5) }
        }
        #expect(y.rowArray(2) == [0, 0, 0, 0, 0])
        #expect(norms[2] == L2NormalizeLayer.epsilon)
    }

    @Test func l2NormalizeBackwardMatchesFiniteDifferences() {
        var rng = RandomSource(seed: 5)
        let n = 4, d = 5
        let x = randomMatrix(n, d, &rng, scale: 0.5)
        let w = randomMatrix(n, d, &rng)
        let y = Matrix(rows: n, cols: d)
        var norms: [Float] = []
        func loss() -> Double {
            L2NormalizeLayer.forward(x, rows: n, into: y, norms: &norms)
            return weightedSum(y, w)
        }
        _ = loss()
        let dx = Matrix(rows: n, cols: d)
        L2NormalizeLayer.backward(y: y, dy: w, norms: norms, rows: n, into: dx)
        expectGradientsMatch(dx.array, numericGradient(of: x, loss), "L2 dX")
        // The gradient is orthogonal to the output row (moving along y does not change y/|y|).
        _ = loss()
        for r in 0..<n {
            var dot = 0.0
            for j in 0..<d { dot += Double(dx[r, j]) * Double(y[r, j]) }
            #expect(abs(dot) < 1e-5)
        }
    }

    // MARK: Embedding

    @Test func embeddingForwardGathersAndAccumulates() {
        var rng = RandomSource(seed: 6)
        let e = EmbeddingLayer(name: "emb", vocabulary: 6, dim: 3, std: 0.5, rng: &rng)
        #expect(e.table.sparse && e.table.name == "emb" && e.dim == 3)
        let out = Matrix(rows: 3, cols: 3)
        e.forward(ids: [4, 0, 4], out: out)
        #expect(out.rowArray(0) == e.table.value.rowArray(4))
        #expect(out.rowArray(1) == e.table.value.rowArray(0))
        #expect(out.rowArray(2) == e.table.value.rowArray(4))
        let before = out.copy()
        e.forward(ids: [1, 2, 3], out: out, accumulate: true)
        for b in 0..<3 {
            for j in 0..<3 { #expect(out[b, j] == before[b, j] + e.table.value[b + 1, j]) }
        }
    }

    @Test func embeddingBackwardMatchesFiniteDifferencesAndTouchesOnlyLookedUpRows() {
        var rng = RandomSource(seed: 7)
        let e = EmbeddingLayer(name: "emb", vocabulary: 6, dim: 3, std: 0.5, rng: &rng)
        let ids: [Int32] = [1, 3, 1, 4]
        let out = Matrix(rows: ids.count, cols: 3)
        let w = randomMatrix(ids.count, 3, &rng)
        func loss() -> Double { e.forward(ids: ids, out: out); return weightedSum(out, w) }
        _ = loss()
        e.backward(ids: ids, dOut: w)
        expectGradientsMatch(e.table.grad.array, numericGradient(of: e.table.value, loss), "embedding table")
        #expect(e.table.touchedRows == [1, 3, 4])
        for r in [0, 2, 5] { #expect(e.table.grad.rowArray(r) == [0, 0, 0], "untouched row \(r) has a gradient") }
        // The repeated id accumulates both rows of dOut.
        for j in 0..<3 { #expect(abs(e.table.grad[1, j] - (w[0, j] + w[2, j])) < 1e-6) }
        #expect(e.table.grad.rowArray(3) == w.rowArray(1))

        e.table.zeroGrad()
        #expect(e.table.touchedRows.isEmpty)
        #expect(e.table.grad.array.allSatisfy { $0 == 0 })
        // Touch marks are cleared too: the next backward lists its rows again.
        e.backward(ids: [3], dOut: w)
        #expect(e.table.touchedRows == [3])
    }

    // MARK: History pooling

    private func historyTable(_ rng: inout RandomSource) -> Parameter {
        let t = Parameter(name: "item.embedding", rows: 6, cols: 3, sparse: true)
        t.initNormal(std: 0.5, rng: &rng)
        return t
    }

    @Test func historyPoolForwardIsTheMeanAndEmptyHistoriesGiveZero() {
        var rng = RandomSource(seed: 8)
        let table = historyTable(&rng)
        let pool = HistoryPoolLayer(table: table, maxLength: 0)
        let histories: [ArraySlice<Int32>] = [[1, 2, 4], [], [3]]
        let out = Matrix(rows: 3, cols: 3)
        out.fill(7)
        pool.forward(histories: histories, out: out, accumulate: false)
        for j in 0..<3 {
            let mean = (Double(table.value[1, j]) + Double(table.value[2, j]) + Double(table.value[4, j])) / 3
            #expect(abs(Double(out[0, j]) - mean) < 1e-6)
            #expect(out[1, j] == 0)
            #expect(out[2, j] == table.value[3, j])
        }
        // Accumulating: an empty history leaves the row as it was.
        out.fill(1)
        pool.forward(histories: histories, out: out, accumulate: true)
        #expect(out.rowArray(1) == [1, 1, 1])
        for j in 0..<3 { #expect(abs(out[2, j] - (1 + table.value[3, j])) < 1e-6) }
    }

    @Test func historyPoolBackwardMatchesFiniteDifferences() {
        var rng = RandomSource(seed: 9)
        let table = historyTable(&rng)
        let pool = HistoryPoolLayer(table: table, maxLength: 0)
        // A repeated item counts twice; the empty history contributes nothing.
        let histories: [ArraySlice<Int32>] = [[1, 2, 4], [], [3], [5, 1, 1]]
        let out = Matrix(rows: histories.count, cols: 3)
        let w = randomMatrix(histories.count, 3, &rng)
        func loss() -> Double { pool.forward(histories: histories, out: out, accumulate: false); return weightedSum(out, w) }
        _ = loss()
        pool.backward(histories: histories, dOut: w)
        expectGradientsMatch(table.grad.array, numericGradient(of: table.value, loss), "history table")
        #expect(table.grad.rowArray(0) == [0, 0, 0])
        #expect(Set(table.touchedRows) == [1, 2, 3, 4, 5])
        for j in 0..<3 {
            #expect(abs(table.grad[2, j] - w[0, j] / 3) < 1e-6)
            #expect(abs(table.grad[1, j] - (w[0, j] / 3 + 2 * w[3, j] / 3)) < 1e-6)
        }
    }

    @Test func historyPoolClipsToMaxLength() {
        var rng = RandomSource(seed: 10)
        let table = historyTable(&rng)
        let pool = HistoryPoolLayer(table: table, maxLength: 2)
        let histories: [ArraySlice<Int32>] = [[1, 2, 4]]
        let out = Matrix(rows: 1, cols: 3)
        pool.forward(histories: histories, out: out, accumulate: false)
        for j in 0..<3 { #expect(abs(out[0, j] - (table.value[1, j] + table.value[2, j]) / 2) < 1e-6) }
        let w = randomMatrix(1, 3, &rng)
        pool.backward(histories: histories, dOut: w)
        #expect(table.grad.rowArray(4) == [0, 0, 0])
        #expect(Set(table.touchedRows) == [1, 2])
        for j in 0..<3 { #expect(abs(table.grad[1, j] - w[0, j] / 2) < 1e-6) }
    }
}
