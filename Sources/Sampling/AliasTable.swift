import NumCore

/// Walker's alias method: O(1) draws from a fixed discrete distribution after O(n) setup.
public struct AliasTable: Sendable {
    /// Per outcome i: the chance of keeping i, else its alias (read by flattened copies).
    let probability: [Float]
    let alias: [Int32]
    /// The normalised probabilities the table draws from.
    public let weights: [Double]

    /// A table over `weights` (non-negative, not all zero).
    public init(weights raw: [Double]) {
        let n = raw.count
        precondition(n > 0, "alias table needs at least one outcome")
        let total = raw.reduce(0, +)
        precondition(total > 0 && raw.allSatisfy { $0 >= 0 && $0.isFinite }, "alias table weights must be finite, non-negative and not all zero")
        weights = raw.map { $0 / total }
        var scaled = weights.map { $0 * Double(n) }
        var prob = [Float](repeating: 1, count: n)
        var al = [Int32](repeating: 0, count: n)
        var small: [Int] = [], large: [Int] = []
        for i in 0..<n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast() {
            guard let l = large.popLast() else { prob[s] = 1; al[s] = Int32(s); continue }
            prob[s] = Float(scaled[s])
            al[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 { small.append(l) } else { large.append(l) }
        }
        for l in large { prob[l] = 1; al[l] = Int32(l) }
        probability = prob
        alias = al
    }

    /// One draw.
    @inline(__always) public func draw(_ rng: inout RandomSource) -> Int32 {
        probability.withUnsafeBufferPointer { p in
            alias.withUnsafeBufferPointer { a in Self.draw(probability: p.baseAddress!, alias: a.baseAddress!, count: p.count, &rng) }
        }
    }

    /// One draw from a table stored elsewhere (`count` entries of ``probability`` and
    /// ``alias``, for instance a row of a flattened set of tables).
    @inline(__always)
    static func draw(probability: UnsafePointer<Float>, alias: UnsafePointer<Int32>, count: Int, _ rng: inout RandomSource) -> Int32 {
        let i = rng.below(count)
        return rng.unitFloat() < probability[i] ? Int32(i) : alias[i]
    }
}
