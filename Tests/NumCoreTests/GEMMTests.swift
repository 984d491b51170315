import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import NumCore

private func randomMatrix(_ r: Int, _ c: Int, _ rng: inout RandomSource) -> Matrix {
    let m = Matrix(rows: r, cols: c)
    for i in 0..<m.count { m.data[i] = rng.unitFloat() * 2 - 1 }
    return m
}

@Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
func gemmMatchesReference(transA: Bool, transB: Bool) {
    var rng = RandomSource(seed: 7)
    // Ragged sizes exercise partial tiles, several K-blocks (k > 384), the packed and in-place
    // A paths (n <= 16 * 8 and n > 16 * 8), several M-blocks (m = 150) and several N-blocks
    // with a ragged last panel (n = 1043, whose B blocks are packed in parallel).
    for (m, n, k) in [(1, 1, 1), (5, 17, 3), (13, 33, 400), (9, 150, 70), (4, 16, 8), (101, 7, 19),
                      (150, 33, 260), (64, 1043, 300), (3, 16, 1)] {
        let a = transA ? randomMatrix(k, m, &rng) : randomMatrix(m, k, &rng)
        let b = transB ? randomMatrix(n, k, &rng) : randomMatrix(k, n, &rng)
        let c0 = randomMatrix(m, n, &rng)
        for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1.5)] {
            let fast = c0.copy(), slow = c0.copy()
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.data, lda: a.cols,
                  b: b.data, ldb: b.cols, beta: beta, c: fast.data, ldc: n, pool: WorkerPool(threads: 2))
            referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.data, lda: a.cols,
                          b: b.data, ldb: b.cols, beta: beta, c: slow.data, ldc: n)
            for i in 0..<fast.count {
                #expect(abs(fast.data[i] - slow.data[i]) <= 1e-4 * (1 + abs(slow.data[i])), "m\(m) n\(n) k\(k) at \(i)")
            }
        }
    }
}

/// A row view shares its base's storage both ways and keeps it alive on its own.
@Test func rowViewSharesAndKeepsItsBase() {
    var base: Matrix? = Matrix(rows: 4, cols: 3, values: (0..<12).map(Float.init))
    let view = Matrix(rowsOf: base!, first: 1, count: 2)
    #expect(view.rows == 2 && view.cols == 3 && view.array == [3, 4, 5, 6, 7, 8])
    view[1, 2] = -1
    #expect(base![2, 2] == -1)
    base![1, 0] = 42
    #expect(view[0, 0] == 42)
    base = nil   // the view now holds the only reference
    #expect(view.array == [42, 4, 5, 6, 7, -1])
    #expect(Matrix(rowsOf: view, first: 2, count: 0).count == 0)
}

@Test func gemmBetaZeroIgnoresNaNInOutput() {
    let a = Matrix(rows: 2, cols: 2, values: [1, 2, 3, 4])
    let c = Matrix(rows: 2, cols: 2, values: [.nan, .nan, .nan, .nan])
    sgemm(transA: false, transB: false, m: 2, n: 2, k: 2, a: a.data, lda: 2, b: a.data, ldb: 2, c: c.data, ldc: 2)
    #expect(c.array == [7, 10, 15, 22])
}

@Test func workerPoolRunsEveryIndexOnce() {
    let pool = WorkerPool(threads: 2)
    for round in 0..<50 {
        let n = 1 + round * 7
        let hits = Matrix(rows: 1, cols: n)
        pool.parallelFor(n) { i in hits.data[i] += 1 }
        #expect(hits.array.allSatisfy { $0 == 1 })
    }
}

@Test func randomSourceIsDeterministicAndUniform() {
    var a = RandomSource(seed: 42), b = RandomSource(seed: 42)
    for _ in 0..<100 { #expect(a.next() == b.next()) }
    #expect(RandomSource(seed: 42).derived(1).seed != RandomSource(seed: 43).derived(1).seed)
    var counts = [Int](repeating: 0, count: 10)
    var r = RandomSource(seed: 3)
    for _ in 0..<10_000 { counts[r.below(10)] += 1 }
    #expect(counts.allSatisfy { $0 > 850 && $0 < 1150 })
}

@Test func vectorisedExpIsAccurate() {
    var x: Float = -80
    while x < 80 {
        var v = SIMD8<Float>(repeating: 0)
        for l in 0..<8 { v[l] = x + Float(l) * 0.013 }
        let e = VectorMath.exp8(v)
        for l in 0..<8 {
            let ref = Float(exp(Double(v[l])))
            #expect(abs(e[l] - ref) <= 4e-7 * ref, "exp(\(v[l]))")
        }
        x += 0.77
    }
    #expect(VectorMath.exp8(SIMD8(repeating: -1000))[0] < 1e-37)
}

@Test func logSumExpIsStable() {
    let xs: [Float] = [1000, 1000, 999, -5, 3, 2, 1, 0, 0.5, 1000.5]
    let ref = 1000.5 + log(xs.map { exp(Double($0) - 1000.5) }.reduce(0, +))
    xs.withUnsafeBufferPointer { #expect(abs(Double(VectorMath.logSumExp($0.baseAddress!, $0.count)) - ref) < 1e-4) }
}
