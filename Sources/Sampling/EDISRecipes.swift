import NumCore
import Runs

/// EDIS's virtual negatives as recipes (Xing et al., WWW 2025): which of a row's tower outputs
/// to mix, and with what weights. The trainer computes the mixes (see `VirtualRecipes`).
///
/// - Simple interpolation: for k = 2...easy, k convex combinations (flat-Dirichlet weights) of
///   k of the row's easy negatives, anchors from one primary cluster when the row has k of them
///   there, which gives (m_o + 2)(m_o - 1) / 2 vectors;
/// - hard interpolation: lambda * e_pos + (1 - lambda) * e_hard for each hard negative, with the
///   positive detached; lambda is ``ESANSConfig/lambda`` unless the row brings its own.
///
/// Every row has exactly ``perRow`` vectors of ``termsPerRow`` terms in all.
struct EDISRecipes {
    /// Hard and easy negatives per row (their sources are `0..<hard` and `hard..<hard + easy`).
    let hard: Int, easy: Int
    /// Which of the two parts are on (both off when EDIS is).
    let simpleInterpolation: Bool, hardInterpolation: Bool
    /// The fixed lambda of the hard mixes.
    let lambda: Float
    /// Virtual negatives per row (V) and their terms (T).
    let perRow: Int, termsPerRow: Int

    /// The recipes `config` asks for.
    init(config: ESANSConfig) {
        hard = config.hard
        easy = config.easy
        simpleInterpolation = config.edis && config.simpleInterpolation && config.easy >= 2
        hardInterpolation = config.edis && config.hardInterpolation
        lambda = config.lambda
        perRow = config.virtualPerPositive
        termsPerRow = config.virtualTerms
    }

    /// The recipes of a run of rows, terms numbered from the run's first row.
    struct Rows {
        /// First term of each virtual vector (batch-wide numbering).
        var starts: [Int32] = []
        var sources: [Int32] = [], weights: [Float] = []
    }

    /// One thread's scratch for ``append(row:easyClusters:hardLambdas:to:scratch:rng:)``.
    struct Scratch {
        /// The easy negatives (0..<easy) of the largest same-cluster group, and of the one being counted.
        var group: [Int], same: [Int]
        /// Anchor candidates, reordered by each subset draw.
        var anchors: [Int]
        /// Weights of one mix, and the cuts that make them.
        var weights: [Float], cuts: [Float]

        /// Scratch for rows of `easy` easy negatives.
        init(easy: Int) {
            let n = max(easy, 1)
            group = [Int](repeating: 0, count: n); same = group; anchors = group
            weights = [Float](repeating: 0, count: n); cuts = [Float](repeating: 0, count: 2 * n)
        }
    }

    /// Empty recipes for `rows` rows.
    func rows(capacity rows: Int) -> Rows {
        var r = Rows()
        r.starts.reserveCapacity(rows * perRow)
        r.sources.reserveCapacity(rows * termsPerRow)
        r.weights.reserveCapacity(rows * termsPerRow)
        return r
    }

    /// Appends batch row `row`'s recipes to `out`, from the primary clusters of its easy
    /// negatives (in slot order) and, for the hard mixes, per hard negative lambdas (nil: the
    /// fixed ``lambda``). Simple interpolation continues `rng`.
    func append(row: Int, easyClusters codes: ArraySlice<Int32>, hardLambdas: [Float]?, to out: inout Rows,
                scratch: inout Scratch, rng: inout RandomSource) {
        var terms = Int32(row * termsPerRow)
        func begin() { out.starts.append(terms) }
        func add(_ source: Int32, _ weight: Float) { out.sources.append(source); out.weights.append(weight); terms += 1 }
        if simpleInterpolation {
            // The largest group of this row's easy negatives sharing a primary cluster.
            let first = codes.startIndex
            var groupCount = 0
            for i in 0..<easy {
                var n = 0
                for j in 0..<easy where codes[first + j] == codes[first + i] { scratch.same[n] = j; n += 1 }
                if n > groupCount { scratch.group.replaceSubrange(0..<n, with: scratch.same[0..<n]); groupCount = n }
            }
            for k in 2...easy {
                for _ in 0..<k {
                    // Anchors from one primary cluster when the row has k of them there.
                    let n: Int
                    if groupCount >= k {
                        scratch.anchors.replaceSubrange(0..<groupCount, with: scratch.group[0..<groupCount])
                        n = groupCount
                    } else {
                        for i in 0..<easy { scratch.anchors[i] = i }
                        n = easy
                    }
                    begin()
                    mix(k, of: n, scratch: &scratch, rng: &rng) { add(Int32(hard + $0), $1) }
                }
            }
        }
        if hardInterpolation {
            for h in 0..<hard {
                let l = hardLambdas?[h] ?? lambda
                begin()
                add(-1, l)
                add(Int32(h), 1 - l)
            }
        }
    }

    /// One simple-interpolation mix: `k` of the first `n` anchors of `scratch` with flat-Dirichlet
    /// weights, each handed to `term` (easy negative, weight).
    private func mix(_ k: Int, of n: Int, scratch: inout Scratch, rng: inout RandomSource, _ term: (Int, Float) -> Void) {
        scratch.anchors.withUnsafeMutableBufferPointer { anchors in
            scratch.weights.withUnsafeMutableBufferPointer { weights in
                scratch.cuts.withUnsafeMutableBufferPointer { cuts in
                    let chosen = FlatDirichletMix.chooseSubset(anchors.baseAddress!, n: n, k: k, rng: &rng)
                    FlatDirichletMix.weights(k, into: weights.baseAddress!, scratch: cuts.baseAddress!, rng: &rng)
                    for i in 0..<k { term(chosen[i], weights[i]) }
                }
            }
        }
    }

    /// The recipes of a whole batch of `rows` rows from its runs of rows in order, or nil when
    /// there are no virtual negatives.
    func batch(_ runs: [Rows], rows: Int) -> VirtualRecipes? {
        guard perRow > 0 else { return nil }
        let starts = runs.flatMap(\.starts) + [Int32(rows * termsPerRow)]
        return VirtualRecipes(perRow: perRow, termStart: starts, termSource: runs.flatMap(\.sources),
                              termWeight: runs.flatMap(\.weights), detachPositive: true)
    }
}
