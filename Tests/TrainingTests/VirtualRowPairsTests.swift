import TestSupport
import Testing
import NumCore
import Sampling
@testable import Training

/// The sparse Gram matrix and backward combination of `VirtualRowPairs.swift` against the
/// dense ones of `VirtualRowGeometry`: the same bits wherever a recipe reads them.
@Suite struct VirtualRowPairsTests {
    /// Random vectors for one row: the user, then K = 8 tower outputs.
    private func vectors(d: Int, _ rng: inout RandomSource) -> (user: Matrix, e: Matrix) {
        (randomMatrix(1, d, &rng, scale: 0.5), randomMatrix(8, d, &rng, scale: 0.5))
    }

    /// EDIS-shaped recipes over sources -1 (positive), 0 (hard) and 1...6 (easy): the positive
    /// with the hard negative, and random mixes of 2 to 4 easy negatives.
    private func recipes(count: Int, _ rng: inout RandomSource) -> VirtualRecipes {
        var r = VirtualRecipes(perRow: count, detachPositive: true)
        r.add([(source: -1, weight: 0.1), (source: 0, weight: 0.9)])
        for _ in 1..<count {
            r.add((0..<(2 + rng.below(3))).map { _ in (source: Int32(1 + rng.below(6)), weight: rng.unitFloat()) })
        }
        return r
    }

    @Test(arguments: [20, 160])
    func sparseGramHasTheDenseBitsWhereRecipesReadIt(d: Int) {
        var rng = RandomSource(seed: 7)
        let (user, e) = vectors(d: d, &rng)
        let r = recipes(count: 9, &rng)
        let dense = VirtualRowGeometry(K: 8, d: d), sparse = VirtualRowGeometry(K: 8, d: d)
        for g in [dense, sparse] { for t in 0..<8 { g.e[t] = UnsafePointer(e.row(t)) } }
        // The dense reference: every entry, by the eight-accumulator kernel.
        let ue = VirtualRowGeometry.dots8(user.row(0), dense.e, d)
        for t in 0..<8 {
            let row = VirtualRowGeometry.dots8(dense.e[t], dense.e, d)
            for t2 in 0..<8 { dense.gram[8 * t + t2] = row[t2] }
            dense.ue[t] = ue[t]
        }
        r.withTable { table in
            let pairs = VirtualRowGeometry.sharedRecipePairs({ table[$0] }, first: 0, count: r.perRow)
            // The positive and the hard negative, and the easy ones among themselves, never across.
            #expect(pairs[0] == 0b11 && pairs[1] == 0b11)
            for t in 2..<8 { #expect(pairs[t] & 0b11 == 0) }
            sparse.computeGram(user: user.row(0), recipes: { table[$0] }, first: 0, count: r.perRow)
            for t in 0..<8 {
                #expect(sparse.ue[t].bitPattern == dense.ue[t].bitPattern)
                for t2 in 0..<8 {
                    let expected = pairs[t] >> UInt8(t2) & 1 == 1 ? dense.gram[8 * t + t2] : 0
                    #expect(sparse.gram[8 * t + t2].bitPattern == expected.bitPattern, "G[\(t), \(t2)]")
                }
            }
            // Every recipe's dot and squared norm, eight at a time, are bit for bit the same.
            var v = 0
            while v < r.perRow {
                let count = min(8, r.perRow - v)
                let a = dense.dotsAndSquaredNorms8({ table[$0] }, first: v, count: count)
                let b = sparse.dotsAndSquaredNorms8({ table[$0] }, first: v, count: count)
                for i in 0..<count {
                    #expect(a.dots[i].bitPattern == b.dots[i].bitPattern)
                    #expect(a.squaredNorms[i].bitPattern == b.squaredNorms[i].bitPattern)
                }
                v += count
            }
        }
    }

    @Test(arguments: [20, 160])
    func combiningTheNonzeroCoefficientsGivesTheDenseBits(d: Int) {
        var rng = RandomSource(seed: 8)
        let (user, e) = vectors(d: d, &rng)
        let g = VirtualRowGeometry(K: 8, d: d)
        for t in 0..<8 { g.e[t] = UnsafePointer(e.row(t)) }
        let coef = UnsafeMutablePointer<Float>.allocate(capacity: 8)
        defer { coef.deallocate() }
        for mask in [0b0000_0000, 0b0000_0011, 0b1111_1100, 0b1010_0101, 0b1111_1111] {
            for t in 0..<8 { coef[t] = mask >> t & 1 == 1 ? rng.unitFloat() - 0.5 : 0 }
            for uCoef: Float in [0, 0.25] {
                let start = randomMatrix(2, d, &rng, scale: 1)
                let a = start.row(0), b = start.row(1)
                b.update(from: a, count: d)
                // Dense: every term, zeros included; the geometry's combine skips the zeros.
                VirtualRowGeometry.combine(uCoef: uCoef, user.row(0), vectors: g.e, weights: coef, count: 8, d: d, into: a)
                g.combine(uCoef: uCoef, user.row(0), coef: coef, into: b)
                for c in 0..<d { #expect(a[c].bitPattern == b[c].bitPattern, "mask \(mask), column \(c)") }
            }
        }
    }
}
