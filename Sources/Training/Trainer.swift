import Foundation
import Runs
import NumCore
import Datasets
import Models
import Sampling
import Evaluation
import Losses

/// What one epoch of training did.
public struct EpochStats: Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean sampled-softmax loss over the epoch's steps.
    public var loss: Double
    /// Wall-clock seconds of training (sampling, forward, backward, update).
    public var seconds: Double
    /// Share of sampled real negatives that are test items of the row's user.
    public var falseNegativeRate: Double
    /// Steps taken.
    public var steps: Int
}

/// Trains a two-tower model with a negative sampler and the sampled-softmax loss.
///
/// One step: draw a batch of (user, positive) pairs, ask the sampler for negatives, run the
/// item tower once over positives and negatives and the user tower over the users, build any
/// virtual negatives from those outputs, compute the loss and its gradients, back-propagate
/// through both towers, and update with Adam.
public final class Trainer: @unchecked Sendable {
    public let dataset: Dataset
    public let model: TwoTowerModel
    public let optimizer: AdamOptimizer
    /// The negative sampler (replaced when the clusters are refreshed).
    public var sampler: NegativeSampler
    public let config: TrainConfig
    private let pool: WorkerPool
    private var negatives: BatchNegatives
    /// The loss of every batch row (losses with state keep it between steps and epochs).
    public let loss: any Loss
    private let lossWorkspace = BatchLoss.Workspace()
    private let baseLearningRate: Float
    /// Multiplier of the peak learning rate under the plateau schedule (factor^drops).
    public var plateauScale: Float = 1
    /// Item tower: the probability of leaving out an item's ID embedding in a training forward
    /// pass (items with features only; see ``Models/Tower``).
    public var itemIDDropout: Float = 0
    /// Per dataset item, whether it has no training interaction and negatives drawn on it are
    /// drawn again among ``warmItems`` (empty: none are; see ``avoidColdNegatives()``).
    var isColdItem: [Bool] = []
    /// The dataset items with training interactions, when some have none.
    var warmItems: [Int32] = []
    private let pairs: (users: [Int32], items: [Int32])

    /// A trainer over `dataset.train`.
    public init(dataset: Dataset, model: TwoTowerModel, optimizer: AdamOptimizer, sampler: NegativeSampler,
                config: TrainConfig, pool: WorkerPool = .shared) {
        self.dataset = dataset
        self.model = model
        self.optimizer = optimizer
        self.sampler = sampler
        self.config = config
        self.pool = pool
        negatives = BatchNegatives(numItems: dataset.numItems)
        loss = config.loss.make()
        baseLearningRate = optimizer.config.learningRate
        pairs = dataset.train.pairs()
    }

    /// Number of steps in one epoch.
    public var stepsPerEpoch: Int { (pairs.users.count + config.batchSize - 1) / config.batchSize }

    /// Trains one epoch (1-based `epoch`). The shuffle and the sampler's draws derive from the
    /// run seed and the epoch number only, so a resumed run repeats them exactly.
    public func trainEpoch(_ epoch: Int, progress: ((_ step: Int, _ of: Int, _ loss: Double) -> Void)? = nil) -> EpochStats {
        let root = RandomSource(seed: config.seed)
        var shuffleRNG = root.derived("shuffle").derived(UInt64(epoch))
        var samplerRNG = root.derived("sampler").derived(UInt64(epoch))
        var dropoutRNG = root.derived("dropout").derived(UInt64(epoch))
        var idDropoutRNG = root.derived("id-dropout").derived(UInt64(epoch))
        if loss.usesEpochContext {
            let (u, v) = encodeAll()
            loss.beginEpoch(epoch, context: LossEpochContext(users: u, items: v, offsets: dataset.train.offsets, trainItems: dataset.train.items))
        }
        var order = Array(0..<pairs.users.count)
        shuffleRNG.shuffle(&order)
        let t0 = DispatchTime.now().uptimeNanoseconds
        var lossSum = 0.0, fnHits = 0, fnTotal = 0
        let steps = stepsPerEpoch
        for s in 0..<steps {
            let range = (s * config.batchSize)..<min(order.count, (s + 1) * config.batchSize)
            let batch = BatchRequest(users: range.map { pairs.users[order[$0]] }, positives: range.map { pairs.items[order[$0]] })
            optimizer.config.learningRate = learningRate(epoch: epoch, step: s)
            let (loss, fn) = step(batch, rng: &samplerRNG, dropoutSeed: config.userDropout > 0 ? dropoutRNG.next() : 0,
                                  idDropoutSeed: itemIDDropout > 0 ? idDropoutRNG.next() : 0)
            lossSum += loss
            fnHits += fn.hits
            fnTotal += fn.total
            progress?(s + 1, steps, lossSum / Double(s + 1))
        }
        let secs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return EpochStats(epoch: epoch, loss: lossSum / Double(max(steps, 1)), seconds: secs,
                          falseNegativeRate: fnTotal > 0 ? Double(fnHits) / Double(fnTotal) : 0, steps: steps)
    }

    /// The scheduled learning rate at `step` of 1-based `epoch` (see
    /// ``Runs/TrainConfig/learningRate(base:epoch:step:stepsPerEpoch:plateauScale:)``).
    public func learningRate(epoch: Int, step: Int) -> Float {
        config.learningRate(base: baseLearningRate, epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch, plateauScale: plateauScale)
    }

    /// One optimisation step on `batch`; returns the loss and the false-negative counts.
    @discardableResult
    public func step(_ batch: BatchRequest, rng: inout RandomSource, dropoutSeed: UInt64 = 0,
                     idDropoutSeed: UInt64 = 0) -> (loss: Double, fn: (hits: Int, total: Int)) {
        let B = batch.count, d = model.config.dim
        let userInput = Tower.Input(ids: batch.users,
                                    histories: model.config.user.history ? batch.users.map { dataset.train.items(of: Int($0)) } : [])
        let scorer: CandidateScorer? = sampler.needsScorer ? ModelScorer(model: model, users: userInput) : nil
        var neg = sampler.sample(batch, scorer: scorer, pool: pool, rng: &rng)
        if !warmItems.isEmpty { redrawColdNegatives(&neg, rng: &rng) }
        let scan = negatives.scan(batch: batch, negatives: neg, train: config.maskAccidentalHits ? dataset.train : nil,
                                  test: dataset.test, pool: pool)

        // Forward: item tower once over [positives | shared | per-positive], user tower.
        let itemIDs = BatchLoss.Inputs.itemIDs(batch, neg)
        let items = model.itemTower.forward(Tower.Input(ids: itemIDs),
                                            idDropout: itemIDDropout > 0 ? Dropout(rate: itemIDDropout, seed: idDropoutSeed) : nil)
        let users = model.userTower.forward(userInput, dropout: config.userDropout > 0 ? Dropout(rate: config.userDropout, seed: dropoutSeed) : nil)
        // The loss reads the tower outputs as they are and writes the item-side gradients
        // straight into `dItems`, rows in the item tower's order.
        let dItems = Matrix(uninitializedRows: itemIDs.count, cols: d)
        let inputs = BatchLoss.Inputs(batch: batch, negatives: neg, masks: scan, users: users, items: items, itemGradient: dItems,
                                      logitScale: loss.logitScale)
        let (value, g) = BatchLoss(loss).compute(inputs, workspace: lossWorkspace, pool: pool)

        // Backward (the L2 penalty is on the rows each tower gathered, scaled like BSL's by 1/B).
        let l2 = config.embeddingL2 / Float(B)
        model.itemTower.backward(dItems, l2: l2)
        model.userTower.backward(g.users, l2: l2)
        optimizer.update(model.parameters, pool: pool)
        return (value, (scan.falseNegatives, scan.total))
    }

    /// User and item vectors for every user and item under the current model.
    /// History towers pool `histories` (default: the training split).
    public func encodeAll(histories: Interactions? = nil) -> (users: Matrix, items: Matrix) {
        let items = TwoTowerModel.encodeAll(model.itemTower, count: dataset.numItems)
        let h = histories ?? dataset.train
        let users = TwoTowerModel.encodeAll(model.userTower, count: dataset.numUsers) { h.items(of: $0) }
        return (users, items)
    }

    /// Full-corpus ranking metrics on the test split, masking every interaction known in
    /// training (the validation split included); with `perUser`, each user's too (see
    /// ``FullCorpusEvaluator/evaluate(userVectors:itemVectors:train:test:users:perUser:progress:)``);
    /// `progress` is told the users ranked, block by block.
    public func evaluateTest(perUser: Matrix? = nil, progress: EvaluationProgress? = nil) -> RankingMetrics {
        let (u, v) = encodeAll(histories: knownInteractions)
        return FullCorpusEvaluator(cutoffs: config.cutoffs, pool: pool).evaluate(userVectors: u, itemVectors: v, train: knownInteractions,
                                                                                 test: dataset.test, perUser: perUser, progress: progress)
    }

    /// ``evaluateTest(perUser:progress:)`` with each user's metrics, as ``PerUserMetrics``.
    public func evaluateTestPerUser(progress: EvaluationProgress? = nil) -> (metrics: RankingMetrics, perUser: PerUserMetrics) {
        let cutoffs = FullCorpusEvaluator(cutoffs: config.cutoffs, pool: pool).cutoffs
        let rows = Matrix(rows: dataset.numUsers, cols: 2 * cutoffs.count)
        let m = evaluateTest(perUser: rows, progress: progress)
        return (m, PerUserMetrics(rows: rows, cutoffs: cutoffs))
    }

    /// The training and validation interactions, the mask of test evaluations (built once).
    public private(set) lazy var knownInteractions: Interactions = dataset.knownInteractions
}

/// Scores candidates with the current towers, for samplers that choose by model score.
struct ModelScorer: CandidateScorer {
    let model: TwoTowerModel
    let users: Tower.Input

    func scores(candidates: [Int32], perRow: Int) -> [Float] {
        let u = model.userTower.forward(users)
        let uc = Matrix(rows: users.ids.count, cols: u.cols)
        uc.data.update(from: u.data, count: uc.count)
        // A plain ID tower scores from its table, row by row in parallel (the same bits).
        if let s = model.itemTower.scores(users: uc, ids: candidates, perRow: perRow) { return s }
        let v = model.itemTower.forward(Tower.Input(ids: candidates))
        var out = [Float](repeating: 0, count: candidates.count)
        for i in 0..<candidates.count { out[i] = VectorMath.dot(uc.row(i / perRow), v.row(i), u.cols) }
        return out
    }
}
