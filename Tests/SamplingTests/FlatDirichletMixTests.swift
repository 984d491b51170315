import Testing
import NumCore
@testable import Sampling

@Suite struct FlatDirichletMixTests {
    /// Every k-subset of n candidates comes up equally often, for k below, at and above n / 2.
    @Test(arguments: [1, 2, 3, 4, 5])
    func subsetsAreUniform(k: Int) {
        let n = 5, draws = 40_000
        var rng = RandomSource(seed: 7)
        var counts = [Int: Int]()
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: n)
        defer { slots.deallocate() }
        for _ in 0..<draws {
            for i in 0..<n { slots[i] = i }
            let chosen = FlatDirichletMix.chooseSubset(slots, n: n, k: k, rng: &rng)
            var mask = 0
            for i in 0..<k { mask |= 1 << chosen[i] }
            #expect(mask.nonzeroBitCount == k, "the k chosen candidates are distinct")
            counts[mask, default: 0] += 1
        }
        // C(5, k) subsets, each with probability 1 / C(5, k); 5 standard deviations of slack.
        let subsets = [1: 5, 2: 10, 3: 10, 4: 5, 5: 1][k]!
        #expect(counts.count == subsets)
        let p = 1 / Double(subsets), expected = Double(draws) * p
        let slack = 5 * (Double(draws) * p * (1 - p)).squareRoot() + 1
        for (mask, c) in counts { #expect(abs(Double(c) - expected) <= slack, "subset \(mask): \(c) vs \(expected)") }
    }

    /// Weights are non-negative and sum to 1; each weight of a flat Dirichlet over k parts is
    /// Beta(1, k - 1): mean 1 / k and P(w > 1/2) = 2^-(k-1).
    @Test(arguments: [2, 3, 4, 6, 8])
    func weightsFollowTheFlatDirichlet(k: Int) {
        let draws = 40_000
        var rng = RandomSource(seed: 8)
        let w = UnsafeMutablePointer<Float>.allocate(capacity: k), scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * k)
        defer { w.deallocate(); scratch.deallocate() }
        var mean = [Double](repeating: 0, count: k), aboveHalf = [Double](repeating: 0, count: k)
        for _ in 0..<draws {
            FlatDirichletMix.weights(k, into: w, scratch: scratch, rng: &rng)
            var sum: Float = 0
            for i in 0..<k {
                #expect(w[i] >= 0)
                sum += w[i]
                mean[i] += Double(w[i]) / Double(draws)
                if w[i] > 0.5 { aboveHalf[i] += 1 / Double(draws) }
            }
            #expect(abs(sum - 1) < 1e-5)
        }
        let tail = 1 / Double(1 << (k - 1))
        for i in 0..<k {
            #expect(abs(mean[i] - 1 / Double(k)) < 0.01, "mean of weight \(i): \(mean[i])")
            #expect(abs(aboveHalf[i] - tail) < 0.015, "P(weight \(i) > 1/2) = \(aboveHalf[i]), expected \(tail)")
        }
    }
    /// The sorting networks (up to five cuts) and the rank sort agree cut for cut on the same
    /// random stream.
    @Test func sortingNetworksMatchTheRankSort() {
        let w = UnsafeMutablePointer<Float>.allocate(capacity: 8), scratch = UnsafeMutablePointer<Float>.allocate(capacity: 16)
        let sorted = UnsafeMutablePointer<Float>.allocate(capacity: 8), cuts = UnsafeMutablePointer<Float>.allocate(capacity: 8)
        defer { w.deallocate(); scratch.deallocate(); sorted.deallocate(); cuts.deallocate() }
        for k in 2...6 {
            var a = RandomSource(seed: UInt64(90 + k)), b = a
            for _ in 0..<2_000 {
                FlatDirichletMix.weights(k, into: w, scratch: scratch, rng: &a)
                FlatDirichletMix.sortedCutsByRank(k - 1, into: sorted, scratch: cuts, rng: &b)
                var previous: Float = 0
                for i in 0..<(k - 1) { #expect(w[i] == sorted[i] - previous, "k \(k), part \(i)"); previous = sorted[i] }
                #expect(w[k - 1] == 1 - previous)
            }
        }
    }
}
