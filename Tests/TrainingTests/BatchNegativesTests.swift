import Testing
import NumCore
import Datasets
import Sampling
@testable import Training

/// Accidental-hit masks and false-negative counts against brute force.
@Suite struct BatchNegativesTests {
    private func batches(_ d: Dataset) -> [BatchRequest] {
        let pairs = d.train.pairs()
        var rng = RandomSource(seed: 61)
        var order = Array(0..<pairs.users.count)
        rng.shuffle(&order)
        return (0..<3).map { s in
            let range = (s * 32)..<((s + 1) * 32)
            return BatchRequest(users: range.map { pairs.users[order[$0]] }, positives: range.map { pairs.items[order[$0]] })
        }
    }

    /// The expected masks: every (row, negative) pair whose item is the row's positive or a
    /// training item of the row's user.
    private func bruteForce(_ batch: BatchRequest, _ neg: NegativeBatch, _ train: Interactions) -> (shared: [Int32], per: [Int32]) {
        let N = neg.shared.count, M = neg.perPositiveCount
        var shared: [Int32] = [], per: [Int32] = []
        for b in 0..<batch.count {
            let u = Int(batch.users[b])
            for j in 0..<N where neg.shared[j] == batch.positives[b] || train.contains(user: u, item: neg.shared[j]) {
                shared.append(Int32(b * N + j))
            }
            for m in 0..<M {
                let it = neg.perPositive[b * M + m]
                if it == batch.positives[b] || train.contains(user: u, item: it) { per.append(Int32(b * M + m)) }
            }
        }
        return (shared, per)
    }

    @Test(arguments: ["uns", "inbatch"])
    func masksAreExactlyTheAccidentalHits(sampler name: String) {
        let d = tinyDataset()
        let ctx = SamplingContext(train: d.train)
        let sampler: NegativeSampler = name == "uns"
            ? UniformSampler(context: ctx, shared: 16, perPositive: 3)
            : InBatchSampler(context: ctx)
        var rng = RandomSource(seed: 62)
        var bn = BatchNegatives(numItems: d.numItems)
        var sawSharedHit = false, sawPerHit = false
        // One BatchNegatives over several batches: its index must be reset between them.
        for batch in batches(d) {
            let neg = sampler.sample(batch, scorer: nil, rng: &rng)
            for pool in [WorkerPool.shared, WorkerPool(threads: 1)] {
                let scan = bn.scan(batch: batch, negatives: neg, train: d.train, test: d.test, pool: pool)
                let (shared, per) = (scan.shared, scan.perPositive)
                let expected = bruteForce(batch, neg, d.train)
                #expect(shared == expected.shared, "shared masks differ (\(name))")
                #expect(per == expected.per, "per-positive masks differ (\(name))")
                #expect(shared == shared.sorted() && Set(shared).count == shared.count)
                if !shared.isEmpty { sawSharedHit = true }
                if !per.isEmpty { sawPerHit = true }
            }
            if name == "inbatch" {
                // Every row's own positive sits on the diagonal of the in-batch pool.
                let N = neg.shared.count
                let s = Set(bn.scan(batch: batch, negatives: neg, train: d.train, test: d.test, pool: .shared).shared)
                for b in 0..<batch.count { #expect(s.contains(Int32(b * N + b))) }
            }
        }
        #expect(sawSharedHit, "the fixture should produce accidental hits")
        if name == "uns" { #expect(sawPerHit) }
    }

    @Test func falseNegativesCountTestItems() {
        let d = tinyDataset()
        let sampler = UniformSampler(context: SamplingContext(train: d.train), shared: 16, perPositive: 2)
        var rng = RandomSource(seed: 63)
        var bn = BatchNegatives(numItems: d.numItems)
        var anyHit = false
        for batch in batches(d) {
            let neg = sampler.sample(batch, scorer: nil, rng: &rng)
            // Without a training split nothing is masked; false negatives are still counted.
            let unmasked = bn.scan(batch: batch, negatives: neg, train: nil, test: d.test, pool: .shared)
            #expect(unmasked.shared.isEmpty && unmasked.perPositive.isEmpty)
            let (hits, total) = (unmasked.falseNegatives, unmasked.total)
            // The trainer's single scan gives the masks and the counts together, on any pool.
            for pool in [WorkerPool.shared, WorkerPool(threads: 1)] {
                let scan = bn.scan(batch: batch, negatives: neg, train: d.train, test: d.test, pool: pool)
                let expectedMasks = bruteForce(batch, neg, d.train)
                #expect(scan.shared == expectedMasks.shared && scan.perPositive == expectedMasks.per)
                #expect(scan.falseNegatives == hits && scan.total == total)
            }
            var expected = 0
            for b in 0..<batch.count {
                let u = Int(batch.users[b])
                expected += neg.shared.filter { d.test.contains(user: u, item: $0) }.count
                for m in 0..<2 where d.test.contains(user: u, item: neg.perPositive[b * 2 + m]) { expected += 1 }
            }
            #expect(hits == expected)
            #expect(total == batch.count * (16 + 2))
            if hits > 0 { anyHit = true }
        }
        #expect(anyHit)
    }
}
