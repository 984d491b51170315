import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

/// Scores odd items `oddScore` and even ones 0, and keeps the candidate lists it was asked for.
private final class ParityScorer: CandidateScorer, @unchecked Sendable {
    let oddScore: Float
    var asked: [[Int32]] = []
    init(oddScore: Float) { self.oddScore = oddScore }
    func scores(candidates: [Int32], perRow: Int) -> [Float] {
        asked.append(candidates)
        return candidates.map { $0 % 2 == 1 ? oddScore : 0 }
    }
}

/// `--candidate-selection resample`: a slot keeps candidate k with probability proportional to
/// exp(z_k) / q_k, and the kept negative's logit minus its logQ is the slot's importance
/// estimate of the partition.
@Suite struct ESANSResampleTests {
    // Cluster 0: items 0..<20 (the positives'), clusters 1 and 2: 20..<100 and 100..<180.
    let primary = (0..<180).map { Int32($0 < 20 ? 0 : $0 < 100 ? 1 : 2) }
    let secondary = (0..<180).map { Int32($0 % 2) }
    let ctx = SamplingContext(train: Interactions(numUsers: 2, numItems: 180, lists: [[1], [2]]))

    func sampler(candidates: Int, selection: CandidateSelection, logitScale: Float) -> ESANSSampler {
        var c = ESANSConfig()
        c.hard = 0; c.easy = 1; c.easyCandidates = candidates; c.easyProposal = .item; c.candidateSelection = selection
        return ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c, logitScale: logitScale)
    }

    /// The share of kept negatives that are odd, over many batches.
    func oddShare(_ selection: CandidateSelection) -> Double {
        let s = sampler(candidates: 2, selection: selection, logitScale: 10)
        let scorer = ParityScorer(oddScore: 0.1)
        var rng = RandomSource(seed: 21)
        var odd = 0, total = 0
        for _ in 0..<3000 {
            let out = s.sample(BatchRequest(users: [0, 1], positives: [3, 4]), scorer: scorer, rng: &rng)
            odd += out.perPositive.filter { $0 % 2 == 1 }.count
            total += out.perPositive.count
        }
        return Double(odd) / Double(total)
    }

    @Test func keepsACandidateInProportionToItsImportanceWeight() {
        // Half the items are odd, weight e^(10 * 0.1) = e against 1 (the proposal is uniform):
        // both odd 1/4, mixed 1/2 of which e / (1 + e) odd.
        let expected = 0.25 + 0.5 * M_E / (1 + M_E)
        let resampled = oddShare(.resample), hardest = oddShare(.hardest)
        #expect(abs(resampled - expected) < 0.015, "\(resampled) vs \(expected)")
        #expect(abs(hardest - 0.75) < 0.015, "the hardest keeps an odd one whenever one is drawn: \(hardest)")
    }

    @Test func theKeptLogitMinusLogQIsTheSlotsPartitionEstimate() {
        let C = 5, a: Float = 4
        let s = sampler(candidates: C, selection: .resample, logitScale: a)
        let scorer = ParityScorer(oddScore: 0.3)
        var rng = RandomSource(seed: 2)
        let batch = BatchRequest(users: [0, 1, 0], positives: [3, 4, 5])
        let out = s.sample(batch, scorer: scorer, rng: &rng)
        #expect(out.perPositiveLogQ.count == 3)
        let asked = scorer.asked[0]
        for b in 0..<3 {
            // The scorer saw [positive, C candidates] per row; the uniform proposal over the 160
            // items outside cluster 0 is q = 1/160, log(n q) = log(180 / 160).
            let candidates = asked[(b * (1 + C) + 1)..<((b + 1) * (1 + C))]
            let kept = out.perPositive[b]
            #expect(candidates.contains(kept))
            let logNQ = Float(log(180.0 / 160.0))
            let mean = candidates.map { expf(a * ($0 % 2 == 1 ? 0.3 : 0) - logNQ) }.reduce(0, +) / Float(C)
            let z = a * (kept % 2 == 1 ? 0.3 : 0)
            #expect(abs((z - out.perPositiveLogQ[b]) - logf(mean)) < 1e-4, "row \(b)")
        }
    }
}
