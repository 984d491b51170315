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

    /// The recipes of a run of rows, terms numbered batch-wide, in arrays sized for the run
    /// (see ``rows(capacity:)``).
    struct Rows {
        /// First term of each virtual vector (batch-wide numbering).
        var starts: [Int32]
        var sources: [Int32], weights: [Float]
        /// Rows appended so far.
        var count = 0
    }

    /// One thread's scratch for ``append(row:easyClusters:hardLambdas:to:scratch:rng:)``.
    final class Scratch {
        /// The easy negatives (0..<easy) of the largest same-cluster group, and of the one being counted.
        let group: UnsafeMutablePointer<Int>, same: UnsafeMutablePointer<Int>
        /// Anchor candidates, reordered by each subset draw.
        let anchors: UnsafeMutablePointer<Int>
        /// Weights of one mix, and the cuts that make them.
        let weights: UnsafeMutablePointer<Float>, cuts: UnsafeMutablePointer<Float>

        /// Scratch for rows of `easy` easy negatives.
        init(easy: Int) {
            let n = max(easy, 1)
            group = .allocate(capacity: n); same = .allocate(capacity: n); anchors = .allocate(capacity: n)
            weights = .allocate(capacity: n); cuts = .allocate(capacity: 2 * n)
        }

        deinit {
            group.deallocate(); same.deallocate(); anchors.deallocate()
            weights.deallocate(); cuts.deallocate()
        }
    }

    /// Recipes for `rows` rows, each appended once.
    func rows(capacity rows: Int) -> Rows {
        Rows(starts: [Int32](repeating: 0, count: rows * perRow), sources: [Int32](repeating: 0, count: rows * termsPerRow),
             weights: [Float](repeating: 0, count: rows * termsPerRow))
    }

    /// Appends batch row `row`'s recipes to `out`, from the primary clusters of its easy
    /// negatives (in slot order) and, for the hard mixes, per hard negative lambdas (nil: the
    /// fixed ``lambda``). Simple interpolation continues `rng`.
    func append(row: Int, easyClusters codes: ArraySlice<Int32>, hardLambdas: [Float]?, to out: inout Rows,
                scratch: Scratch, rng: inout RandomSource) {
        guard perRow > 0 else { return }
        let r = out.count
        precondition((r + 1) * perRow <= out.starts.count, "more rows than the recipes' capacity")
        out.count += 1
        out.starts.withUnsafeMutableBufferPointer { starts in
            out.sources.withUnsafeMutableBufferPointer { sources in
                out.weights.withUnsafeMutableBufferPointer { weights in
                    var w = Writer(starts: starts.baseAddress! + r * perRow, sources: sources.baseAddress! + r * termsPerRow,
                                   weights: weights.baseAddress! + r * termsPerRow, term: Int32(row * termsPerRow))
                    fill(easyClusters: codes, hardLambdas: hardLambdas, &w, scratch, &rng)
                }
            }
        }
    }

    /// Writes one row's recipes in place.
    private struct Writer {
        var starts: UnsafeMutablePointer<Int32>, sources: UnsafeMutablePointer<Int32>, weights: UnsafeMutablePointer<Float>
        /// The batch-wide number of the next term.
        var term: Int32

        @inline(__always) mutating func begin() { starts.pointee = term; starts += 1 }
        @inline(__always) mutating func add(_ source: Int32, _ weight: Float) {
            sources.pointee = source; weights.pointee = weight
            sources += 1; weights += 1; term += 1
        }
    }

    private func fill(easyClusters codes: ArraySlice<Int32>, hardLambdas: [Float]?, _ w: inout Writer, _ s: Scratch,
                      _ rng: inout RandomSource) {
        if simpleInterpolation {
            // The largest group of this row's easy negatives sharing a primary cluster.
            let first = codes.startIndex
            var groupCount = 0
            for i in 0..<easy {
                var n = 0
                let ci = codes[first + i]
                for j in 0..<easy where codes[first + j] == ci { s.same[n] = j; n += 1 }
                if n > groupCount { s.group.update(from: s.same, count: n); groupCount = n }
            }
            for k in 2...easy {
                for _ in 0..<k {
                    // Anchors from one primary cluster when the row has k of them there.
                    let n: Int
                    if groupCount >= k {
                        s.anchors.update(from: s.group, count: groupCount)
                        n = groupCount
                    } else {
                        for i in 0..<easy { s.anchors[i] = i }
                        n = easy
                    }
                    // k of the first n anchors with flat-Dirichlet weights.
                    w.begin()
                    let chosen = FlatDirichletMix.chooseSubset(s.anchors, n: n, k: k, rng: &rng)
                    FlatDirichletMix.weights(k, into: s.weights, scratch: s.cuts, rng: &rng)
                    for i in 0..<k { w.add(Int32(hard + chosen[i]), s.weights[i]) }
                }
            }
        }
        if hardInterpolation {
            for h in 0..<hard {
                let l = hardLambdas?[h] ?? lambda
                w.begin()
                w.add(-1, l)
                w.add(Int32(h), 1 - l)
            }
        }
    }

    /// The recipes of a whole batch of `rows` rows from its runs of rows in order, or nil when
    /// there are no virtual negatives.
    func batch(_ runs: [Rows], rows: Int) -> VirtualRecipes? {
        guard perRow > 0 else { return nil }
        precondition(runs.allSatisfy { $0.count * perRow == $0.starts.count }, "a run of rows was not filled")
        let starts = runs.flatMap(\.starts) + [Int32(rows * termsPerRow)]
        return VirtualRecipes(perRow: perRow, termStart: starts, termSource: runs.flatMap(\.sources),
                              termWeight: runs.flatMap(\.weights), detachPositive: true)
    }
}
