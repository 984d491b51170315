import Testing
import Foundation
import NumCore
import Datasets
import Models
import Runs
import Sampling
import Collectives
import Codebooks
@testable import Training

/// The sharded trainer on threads standing in for ranks: 1, 2 and 4 ranks give the same rows,
/// bit for bit, and it learns.
@Suite struct DistributedTrainerTests {
    /// What a run on `ranks` ranks ends with: both gathered tables and the epochs' losses.
    struct Outcome: Equatable, Sendable {
        var users: [Float], items: [Float], losses: [Double]
    }

    static func config(sampler: SamplerKind = .uns, loss: LossKind = .bsl, perPositive: Int = 0, l2: Float = 0, dropout: Float = 0) -> RunConfig {
        var t = TrainConfig()
        t.epochs = 3
        t.batchSize = 64
        t.sampler = sampler
        t.sharedNegatives = sampler == .esans ? 8 : 16
        t.perPositiveNegatives = perPositive
        t.loss = LossConfig(kind: loss)
        t.validationFraction = 0
        t.refreshClusters = 0
        t.esans = .paperDraws   // unscored draws: scored candidates are not distributed yet
        t.embeddingL2 = l2
        t.userDropout = dropout
        t.seed = 11
        var m = ModelConfig()
        m.dim = 8
        var o = RunConfig.defaultOptimizer
        o.learningRate = 0.01
        return RunConfig(data: .init(path: "synthetic"), model: m, training: t, optimizer: o)
    }

    static func sampler(_ config: RunConfig, _ dataset: Dataset) -> NegativeSampler {
        let context = SamplingContext(train: dataset.train)
        if config.training.sampler == .esans {
            let primary = (0..<dataset.numItems).map { Int32($0 % 5) }, secondary = (0..<dataset.numItems).map { Int32($0 / 5 % 3) }
            return ESANSSampler(context: context, ids: SemanticIDs(primary: primary, secondary: secondary, kp: 5, ks: 3), centroidDistances: nil, config: config.training.esans,
                                sharedUniform: config.training.sharedNegatives, logQCorrection: true)
        }
        var notes: [String] = []
        return try! SamplerFactory.make(config.training, context: context, dataset: dataset, notes: &notes)
    }

    static func train(_ config: RunConfig, ranks: Int, shards: Int = 4, epochs: Int = 2) -> Outcome {
        let dataset = tinyDataset()
        let outcomes = LocalCommunicator.run(ranks: ranks) { comm in
            let trainer = DistributedTrainer(dataset: dataset, config: config, sampler: sampler(config, dataset), comm: comm, shardCount: shards)
            var losses: [Double] = []
            for e in 1...epochs { losses.append(trainer.trainEpoch(e).loss) }
            let u = trainer.gather(trainer.users), v = trainer.gather(trainer.items)
            return Outcome(users: u.array, items: v.array, losses: losses)
        }
        for o in outcomes.dropFirst() { precondition(o == outcomes[0], "ranks disagree on the gathered model") }
        return outcomes[0]
    }

    @Test(arguments: [
        (SamplerKind.uns, LossKind.bsl, 0, Float(0), Float(0)),
        (SamplerKind.uns, LossKind.softmax, 3, Float(0.01), Float(0.2)),
        (SamplerKind.pns, LossKind.softmax, 2, Float(0), Float(0)),
        (SamplerKind.esans, LossKind.bsl, 0, Float(0), Float(0)),
    ])
    func sameRowsOnOneTwoAndFourRanks(sampler: SamplerKind, loss: LossKind, perPositive: Int, l2: Float, dropout: Float) {
        let c = Self.config(sampler: sampler, loss: loss, perPositive: perPositive, l2: l2, dropout: dropout)
        let one = Self.train(c, ranks: 1)
        #expect(one.losses.allSatisfy { $0.isFinite && $0 > 0 })
        for ranks in [2, 4] {
            let other = Self.train(c, ranks: ranks)
            #expect(other.losses == one.losses, "losses on \(ranks) ranks")
            #expect(other.users == one.users, "user rows on \(ranks) ranks")
            #expect(other.items == one.items, "item rows on \(ranks) ranks")
        }
    }

    @Test func theShardCountChangesTheNumbers() {
        // Not a property to keep, but proof that the comparison above can fail: another
        // partition draws other batches.
        let c = Self.config()
        #expect(Self.train(c, ranks: 1, shards: 4).items != Self.train(c, ranks: 1, shards: 2).items)
    }

    @Test func theLossGoesDown() {
        let c = Self.config(loss: .softmax)
        let o = Self.train(c, ranks: 2, epochs: 6)
        #expect(o.losses.allSatisfy { $0.isFinite })
        #expect(o.losses.last! < o.losses.first! - 0.01, "losses \(o.losses)")
    }

    @Test func everyRowHasOneHolder() {
        for ranks in [1, 2, 4] {
            for rank in 0..<ranks {
                let s = VirtualShards(count: 8, ranks: ranks, rank: rank)
                #expect(s.owned == Array(stride(from: rank, to: 8, by: ranks)))
                for id in Int32(0)..<Int32(50) { #expect(s.owner(of: id) == Int(id) % ranks) }
            }
        }
        #expect(VirtualShards.problem(count: 6, ranks: 4) != nil)
        #expect(VirtualShards.problem(count: 8, ranks: 4) == nil)
        // The slices of a shard's interactions cover them once, in order.
        let n = 37, steps = 5
        let covered = (0..<steps).flatMap { Array(VirtualShards.slice(step: $0, of: steps, count: n)) }
        #expect(covered == Array(0..<n))
    }

    @Test func unsupportedSettingsAreNamed() {
        var c = Self.config()
        c.training.validationFraction = 0.1
        #expect(DistributedTrainer.unsupported(c)?.contains("--validation 0") == true)
        c = Self.config()
        c.model.item.hidden = [16]
        #expect(DistributedTrainer.unsupported(c)?.contains("ID-only") == true)
        c = Self.config(sampler: .dns)
        #expect(DistributedTrainer.unsupported(c) != nil)
        #expect(DistributedTrainer.unsupported(Self.config()) == nil)
    }
}
