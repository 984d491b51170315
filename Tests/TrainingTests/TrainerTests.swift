import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
import Sampling
@testable import Training

@Suite struct TrainerTests {
    @Test func lossDecreasesAndRankingImproves() {
        let d = tinyDataset()
        let trainer = makeTrainer(d)
        let before = trainer.evaluateTest().values["recall@20"]!
        let stats = (1...3).map { trainer.trainEpoch($0) }
        for s in stats {
            #expect(s.steps == trainer.stepsPerEpoch && s.steps == (d.train.count + 31) / 32)
            #expect(s.loss.isFinite && s.falseNegativeRate >= 0 && s.falseNegativeRate <= 1)
        }
        #expect(stats[2].loss < stats[0].loss, "losses \(stats.map(\.loss))")
        #expect(stats[1].loss < stats[0].loss)
        let after = trainer.evaluateTest().values["recall@20"]!
        #expect(after > before, "recall@20 \(before) -> \(after)")
        for p in trainer.model.parameters { #expect(p.value.allFinite) }
    }

    @Test func sameSeedIsBitwiseReproducibleAndOtherSeedsDiffer() {
        let d = tinyDataset()
        let a = makeTrainer(d), b = makeTrainer(d), c = makeTrainer(d, seed: 6)
        let la = (1...2).map { a.trainEpoch($0).loss }
        let lb = (1...2).map { b.trainEpoch($0).loss }
        let lc = (1...2).map { c.trainEpoch($0).loss }
        #expect(la.map(\.bitPattern) == lb.map(\.bitPattern))
        for (p, q) in zip(a.model.parameters, b.model.parameters) {
            #expect(bits(p.value) == bits(q.value), "\(p.name)")
            #expect(bits(p.m) == bits(q.m) && bits(p.v) == bits(q.v) && p.rowStep == q.rowStep)
        }
        #expect(la != lc, "a different run seed must change the shuffle and the negatives")
        #expect(zip(a.model.parameters, c.model.parameters).contains { bits($0.value) != bits($1.value) })
    }

    @Test func perPositiveAndInBatchSamplersTrain() {
        let d = tinyDataset()
        for kind in [SamplerKind.uns, .inbatch, .pns, .mns, .dns, .mixgcf] {
            var tc = trainConfig()
            tc.sampler = kind
            tc.perPositiveNegatives = kind == .inbatch ? 0 : 2
            let model = TwoTowerModel(config: modelConfig(), numUsers: d.numUsers, numItems: d.numItems, seed: 5)
            var notes: [String] = []
            let sampler = try! SamplerFactory.make(tc, context: SamplingContext(train: d.train), dataset: d, notes: &notes)
            #expect(sampler.kind == kind)
            let t = Trainer(dataset: d, model: model, optimizer: AdamOptimizer(config: adamConfig()), sampler: sampler, config: tc)
            let l1 = t.trainEpoch(1).loss, l2 = t.trainEpoch(2).loss
            #expect(l1.isFinite && l2 < l1, "\(kind): \(l1) -> \(l2)")
            // The one logQ switch reaches the samplers: none attach logQ when it is off.
            tc.logQCorrection = false
            let plain = try! SamplerFactory.make(tc, context: SamplingContext(train: d.train), dataset: d, notes: &notes)
            var rng = RandomSource(seed: 3)
            let neg = plain.sample(BatchRequest(users: [0, 1], positives: [1, 2]), scorer: kind.scoresCandidates ? ConstantScorer() : nil, rng: &rng)
            #expect(neg.sharedLogQ.isEmpty && neg.perPositiveLogQ.isEmpty, "\(kind) attached logQ with the switch off")
        }
    }
}

/// Scores every candidate 0 (samplers that score candidates need a scorer).
private struct ConstantScorer: CandidateScorer {
    func scores(candidates: [Int32], perRow: Int) -> [Float] { [Float](repeating: 0, count: candidates.count) }
}
