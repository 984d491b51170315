import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

// DNS and MixGCF share their scored candidate draw (ScoredSampler.swift). These tests pin what
// both drew on a fixed batch and seed before that code was shared: the same items, the same
// mixing weights, and the generator left in the same state (the same calls in the same order).

/// Scores with ties and a row-dependent order: `(7 * item + 3 * row) % 5`.
private struct TiedScorer: CandidateScorer {
    func scores(candidates: [Int32], perRow: Int) -> [Float] {
        candidates.indices.map { Float((7 * Int(candidates[$0]) + 3 * ($0 / perRow)) % 5) }
    }
}

@Suite struct ScoredSamplerTests {
    let context = SamplingContext(train: Interactions(numUsers: 3, numItems: 40, lists: [[0, 1], [2], [3, 4]]))
    let batch = BatchRequest(users: [0, 1, 2, 0], positives: [1, 2, 3, 9])

    @Test func dnsDrawsWhatItDrewBeforeTheSharedCode() {
        let s = DynamicSampler(context: context, candidates: 6, perPositive: 3)
        #expect((s as any NegativeSampler).needsScorer && s.kind == .dns)
        var rng = RandomSource(seed: 11)
        let n = s.sample(batch, scorer: TiedScorer(), rng: &rng)
        // Row 3 keeps item 7 twice: the pool may repeat an item, and ties go to the earlier slot.
        #expect(n.perPositive == [17, 12, 9, 13, 20, 25, 34, 14, 33, 7, 7, 22])
        #expect(n.perPositiveCount == 3 && n.virtual == nil && n.perPositiveLogQ.isEmpty)
        #expect(rng.below(1_000_000) == 991942)
        // Without a scorer: the first three candidates of each row's pool, unfiltered.
        var bare = RandomSource(seed: 11)
        let m = s.sample(batch, scorer: nil, rng: &bare)
        #expect(m.perPositive == [8, 3, 9, 17, 3, 12, 20, 39, 25, 9, 2, 13])
        #expect(bare.below(1_000_000) == 991942)
    }

    @Test func mixGCFDrawsWhatItDrewBeforeTheSharedCode() throws {
        let s = MixGCFSampler(context: context, candidates: 5, perPositive: 2)
        #expect((s as any NegativeSampler).needsScorer && s.kind == .mixgcf)
        var rng = RandomSource(seed: 12)
        let n = s.sample(batch, scorer: TiedScorer(), rng: &rng)
        let r = try #require(n.virtual)
        #expect(n.perPositive == [37, 12, 10, 32, 24, 29, 12, 30])
        #expect(r.termStart == [0, 2, 4, 6, 8, 10, 12, 14, 16])
        #expect(r.termSource == [-1, 0, -1, 1, -1, 0, -1, 1, -1, 0, -1, 1, -1, 0, -1, 1])
        #expect(r.termWeight.map(\.bitPattern) == [
            1020667808, 1064914627, 1058226428, 1054440968, 1059974491, 1050944842, 1063136992, 1040663680,
            990222336, 1065319016, 1055536750, 1057678537, 1048919046, 1060987389, 1062523130, 1043119128])
        #expect(rng.below(1_000_000) == 963453)
        // Without a scorer every mix scores alpha * 0 + (1 - alpha) * 0: the first two slots.
        var bare = RandomSource(seed: 12)
        let m = s.sample(batch, scorer: nil, rng: &bare)
        #expect(m.perPositive == [12, 32, 10, 29, 37, 5, 12, 30])
        #expect(try #require(m.virtual).termWeight.map(\.bitPattern) == [
            1058226428, 1054440968, 1060071626, 1050750572, 1059974491, 1050944842, 1059909937, 1051073950,
            1062958848, 1041376256, 1063755346, 1036193136, 1048919046, 1060987389, 1062523130, 1043119128])
        #expect(bare.below(1_000_000) == 963453)
    }
}
