import NumCore

// Reference retrieval for the index tests: random unit rows and exact top-k by plain loops.

/// A `rows x cols` matrix of L2-normalised random rows.
public func normalisedRows(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
    var rng = RandomSource(seed: seed)
    let m = Matrix(rows: rows, cols: cols)
    for r in 0..<rows {
        let p = m.row(r)
        var n: Float = 0
        for j in 0..<cols { p[j] = rng.normal(); n += p[j] * p[j] }
        let inv = 1 / n.squareRoot()
        for j in 0..<cols { p[j] *= inv }
    }
    return m
}

/// Exact top-k by plain loops: score descending, index ascending on ties.
public func bruteForce(_ items: Matrix, _ q: [Float], k: Int, excluding: Set<Int32> = []) -> [(Int32, Float)] {
    var all: [(Int32, Float)] = []
    for i in 0..<items.rows where !excluding.contains(Int32(i)) {
        var s: Float = 0
        for j in 0..<items.cols { s += q[j] * items[i, j] }
        all.append((Int32(i), s))
    }
    all.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    return Array(all.prefix(k))
}
