import Testing
import NumCore
import Serving

/// Fixtures of the vector-database tests: unit vectors from a fixed generator, and the check
/// that an external index answers as exact search does.
enum VectorDBFixtures {
    /// `n` unit vectors of dimension `d` from a fixed generator.
    static func vectors(_ n: Int, _ d: Int, seed: UInt64) -> Matrix {
        var rng = SplitMix(seed)
        let m = Matrix(rows: n, cols: d)
        for i in 0..<n {
            var norm: Float = 0
            for j in 0..<d { let x = Float(rng.next() % 2001) / 1000 - 1; m[i, j] = x; norm += x * x }
            for j in 0..<d { m.row(i)[j] /= norm.squareRoot() }
        }
        return m
    }

    /// Expects `index` to return exact search's 20 best items (and their inner products) for
    /// a few rows of `items` as queries.
    static func expectExactAnswers(of index: any ExternalIndex, items m: Matrix) throws {
        let exact = ExactIndex(items: m)
        for q in [0, 17, 123] where q < m.rows {
            let query = m.rowArray(q)
            let want = query.withUnsafeBufferPointer { qb in [Int32]().withUnsafeBufferPointer { exact.search(qb, k: 20, excluding: $0) } }
            let got = try index.nearest(query, limit: 20)
            #expect(got.map(\.item) == want.map(\.item))
            for (g, w) in zip(got, want) { #expect(abs(g.score - w.score) < 1e-5) }
        }
    }
}

/// A small deterministic generator for the fixtures above.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
