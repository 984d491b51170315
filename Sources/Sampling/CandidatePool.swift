import NumCore

/// Uniform candidate items for model-scored samplers (DNS, MixGCF): `perRow` per batch row,
/// row-major.
enum CandidatePool {
    static func draw(rows: Int, perRow: Int, numItems: Int, rng: inout RandomSource) -> [Int32] {
        var pool = [Int32](repeating: 0, count: rows * perRow)
        for i in 0..<pool.count { pool[i] = Int32(rng.below(numItems)) }
        return pool
    }
}
