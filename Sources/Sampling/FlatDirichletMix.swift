import NumCore

/// Random convex combinations for EDIS's simple interpolation: k anchors chosen uniformly
/// without replacement from n candidates, with weights from a flat Dirichlet(1, ..., 1).
///
/// Both draws use the symmetry of the flat Dirichlet: its weights are exchangeable, so only the
/// chosen *set* of anchors matters, not their order. A k-subset therefore costs min(k, n - k)
/// draws (all n candidates cost none), and the weights are the gaps between k - 1 sorted
/// uniform cuts of [0, 1], sorted without data-dependent branches.
enum FlatDirichletMix {
    /// Reorders `slots[0..<n]` so that k consecutive slots hold a uniformly random k-subset,
    /// and returns the first of them.
    @inline(__always)
    static func chooseSubset(_ slots: UnsafeMutablePointer<Int>, n: Int, k: Int, rng: inout RandomSource) -> UnsafeMutablePointer<Int> {
        precondition(0 < k && k <= n)
        if k <= n - k {
            // Partial Fisher-Yates: the first k slots become a uniform k-subset.
            for i in 0..<k { let j = i + rng.below(n - i); (slots[i], slots[j]) = (slots[j], slots[i]) }
            return slots
        } else {
            // Choose the n - k left out instead: they end up in the first n - k slots.
            for i in 0..<(n - k) { let j = i + rng.below(n - i); (slots[i], slots[j]) = (slots[j], slots[i]) }
            return slots + (n - k)
        }
    }

    /// Writes k flat-Dirichlet weights into `weights`; `scratch` holds at least 2k floats.
    /// k is at most 256. Up to six parts (five cuts, every EDIS default) the cuts are sorted by
    /// a fixed min/max network in registers; beyond, by rank. Both draw the same uniforms.
    @inline(__always)
    static func weights(_ k: Int, into weights: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, rng: inout RandomSource) {
        precondition(k >= 1 && k <= 256)
        let sorted = scratch
        @inline(__always) func exchange(_ a: inout Float, _ b: inout Float) { let lo = min(a, b); b = max(a, b); a = lo }
        switch k - 1 {
        case 0:
            weights[0] = 1
            return
        case 1:
            sorted[0] = rng.unitFloat()
        case 2:
            var (u0, u1) = rng.unitFloatPair()
            exchange(&u0, &u1)
            (sorted[0], sorted[1]) = (u0, u1)
        case 3:
            var (u0, u1) = rng.unitFloatPair()
            var u2 = rng.unitFloat()
            exchange(&u0, &u1); exchange(&u1, &u2); exchange(&u0, &u1)
            (sorted[0], sorted[1], sorted[2]) = (u0, u1, u2)
        case 4:
            var (u0, u1) = rng.unitFloatPair(), (u2, u3) = rng.unitFloatPair()
            exchange(&u0, &u1); exchange(&u2, &u3); exchange(&u0, &u2); exchange(&u1, &u3); exchange(&u1, &u2)
            (sorted[0], sorted[1], sorted[2], sorted[3]) = (u0, u1, u2, u3)
        case 5:
            var (u0, u1) = rng.unitFloatPair(), (u2, u3) = rng.unitFloatPair()
            var u4 = rng.unitFloat()
            exchange(&u0, &u1); exchange(&u3, &u4); exchange(&u2, &u4); exchange(&u2, &u3); exchange(&u0, &u3)
            exchange(&u0, &u2); exchange(&u1, &u4); exchange(&u1, &u3); exchange(&u1, &u2)
            (sorted[0], sorted[1], sorted[2], sorted[3], sorted[4]) = (u0, u1, u2, u3, u4)
        default:
            sortedCutsByRank(k - 1, into: sorted, scratch: scratch + k, rng: &rng)
        }
        var previous: Float = 0
        for i in 0..<(k - 1) { weights[i] = sorted[i] - previous; previous = sorted[i] }
        weights[k - 1] = 1 - previous
    }

    /// `c` uniform cuts of [0, 1], drawn as ``weights(_:into:scratch:rng:)`` draws them, sorted
    /// into `sorted` by rank without data-dependent branches; `scratch` holds `c` floats.
    static func sortedCutsByRank(_ c: Int, into sorted: UnsafeMutablePointer<Float>, scratch u: UnsafeMutablePointer<Float>,
                                 rng: inout RandomSource) {
        var i = 0
        while i + 1 < c { (u[i], u[i + 1]) = rng.unitFloatPair(); i += 2 }
        if i < c { u[i] = rng.unitFloat() }
        // sorted[rank(u_i)] = u_i. The cuts are non-negative, so their bit patterns order like
        // them; with the index below they make distinct keys, and key_j < key_i exactly when
        // key_j - key_i wraps around (keys stay below 2^40), which counts without branching.
        @inline(__always) func key(_ i: Int) -> UInt64 { UInt64(u[i].bitPattern) << 8 | UInt64(i) }
        for i in 0..<c {
            let ki = key(i)
            var rank: UInt64 = 0
            for j in 0..<c { rank &+= (key(j) &- ki) >> 63 }
            sorted[Int(rank)] = u[i]
        }
    }
}
