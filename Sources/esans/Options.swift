import ArgumentParser
import Runs
import Datasets
import Models
import Sampling
import Training
import Experiments
import Losses
import NumCore
import Baselines

/// Where the interactions come from.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Dataset: a LightGCN directory (train.txt, test.txt), a RecBole atomic directory or .inter file, a CSV/TSV file, or 'synthetic'.")
    var data: String

    @Option(help: "Input format: \(DataFormat.acceptedNames) (default: detected from the path).")
    var format: DataFormat?

    @Option(help: "Split: given (LightGCN files), loo (leave last out by time), time:0.8 (per-user by time), random:0.8.")
    var split: String?

    @Flag(help: "Reject test users/items never seen in training instead of dropping them with a note.")
    var strict = false

    @Flag(help: "Collapse duplicate (user, item) pairs instead of rejecting the file.")
    var dedupe = false

    @Option(help: "CSV/TSV, RecBole: user id column (name or 0-based index; default: the column named user_id, userid or user, any case (RecBole: user_id), column 0 with --no-header).") var userColumn: String?
    @Option(help: "CSV/TSV, RecBole: item id column (name or 0-based index; default: the column named item_id, itemid or item, any case (RecBole: item_id), column 1 with --no-header).") var itemColumn: String?
    @Option(help: "CSV/TSV, RecBole: timestamp column (name or 0-based index; default: the column named timestamp, time or ts, any case (RecBole: timestamp), else none).") var timeColumn: String?
    @Flag(help: "CSV/TSV: the file has no header line.") var noHeader = false
    @Option(help: "CSV/TSV: field delimiter (default: ',' for csv, tab for tsv).") var delimiter: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Keep only interactions rated at least this (CSV/TSV column 'rating', RecBole field rating:float, or --rating-column), before the split.", valueName: "rating"))
    var minRating: Double?
    @Option(help: "Column of the ratings for --min-rating (name or 0-based index; default: the one named 'rating').") var ratingColumn: String?
    @Option(help: ArgumentHelp("Drop users and items with fewer than K interactions, again until none is left (the k-core), before the split.", valueName: "K"))
    var kCore: Int?

    /// Checks the filter settings while parsing (the file itself is read later).
    func validate() throws {
        if let minRating, !minRating.isFinite { throw ValidationError("--min-rating must be a finite number") }
        if let kCore, kCore < 1 { throw ValidationError("--k-core must be at least 1") }
        if ratingColumn != nil && minRating == nil { throw ValidationError("--rating-column is only read for --min-rating; give both") }
        if data == RunConfig.syntheticPath && (minRating != nil || kCore != nil) {
            throw ValidationError("--min-rating and --k-core filter data read from files, not the generated '\(RunConfig.syntheticPath)' data")
        }
    }

    /// The data source the options describe.
    func source() throws -> RunConfig.DataSource {
        var s = RunConfig.DataSource(path: data)
        s.format = format
        do { s.split = try split.map(Split.named) } catch { throw ValidationError("--split: \(error)") }
        s.strict = strict
        s.dedupe = dedupe
        s.userColumn = userColumn
        s.itemColumn = itemColumn
        s.timestampColumn = timeColumn
        s.header = !noHeader
        s.delimiter = delimiter
        s.ratingColumn = ratingColumn
        s.minRating = minRating
        s.kCore = kCore
        return s
    }
}

/// Model and training hyperparameters.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Negative sampler: \(SamplerKind.acceptedNames).") var sampler = TrainConfig().sampler
    @Option(help: "Negatives shared by each batch (UNS pool).") var negatives = TrainConfig().sharedNegatives
    @Option(help: "Negatives drawn for each positive.") var perPositive = TrainConfig().perPositiveNegatives
    @Option(help: "Training epochs.") var epochs = TrainConfig().epochs
    @Option(help: "Batch size.") var batchSize = TrainConfig().batchSize
    @Option(help: "Adam learning rate (peak of the schedule).") var lr = RunConfig.defaultOptimizer.learningRate
    @Option(help: "Learning-rate schedule: constant, cosine or linear (decay to 0 over the run), or plateau (drop by --plateau-factor when validation stops improving, best checkpoint reloaded).") var lrSchedule = TrainConfig().lrSchedule
    @Option(help: "Loss: softmax, bsl, ccl, adaptau or bpr.") var loss = TrainConfig().loss.kind
    @Option(help: "Temperature of the logits (softmax, bsl, bpr; default: the loss's own, \(LossKind.allCases.filter(\.usesTemperature).map { "\($0.rawValue) \($0.defaultTemperature)" }.joined(separator: ", "))).") var tau: Float?
    @Option(help: "bsl: weight of the negatives' log-partition.") var bslWeight = LossConfig().bslWeight
    @Option(help: "ccl: margin below which a negative costs nothing.") var cclMargin = LossConfig().cclMargin
    @Option(help: "ccl: weight of the negatives' mean.") var cclWeight = LossConfig().cclWeight
    @Option(help: "adaptau: epochs before the global temperature follows the model.") var adaptauWarmup = LossConfig().adaptauWarmupEpochs
    @Option(help: "Dropout rate on the user vector before normalisation.") var userDropout = TrainConfig().userDropout
    @Option(help: "L2 penalty on the embedding rows of each batch.") var embeddingL2 = TrainConfig().embeddingL2
    @Option(help: "Plateau schedule: factor of each learning-rate drop.") var plateauFactor = TrainConfig().plateauFactor
    @Option(help: "Plateau schedule: evaluations without improvement before a drop.") var plateauPatience = TrainConfig().plateauPatience
    @Option(help: "Plateau schedule: drops before training stops at the next plateau.") var plateauDrops = TrainConfig().plateauDrops
    @Option(help: "Decoupled weight decay (AdamW).") var weightDecay = RunConfig.defaultOptimizer.weightDecay
    @Option(help: "Embedding / output dimension.") var dim = ModelConfig().dim
    @Option(help: "Std of the normal initialisation of embeddings.") var initStd = ModelConfig().initStd
    @Option(help: "MLP hidden widths for both towers, comma-separated (e.g. 128); empty = none.") var hidden = ""
    @Flag(help: "User tower: add the mean of the user's training-item embeddings.") var history = false
    @Flag(help: "User tower: no ID embedding (history only; needs --history).") var noUserId = false
    @Flag(help: "No logQ correction (for every sampler whose proposal is not uniform: pns, inbatch, mns, esans).") var noLogq = false
    @Flag(help: "Do not mask accidental hits (negatives that are the user's training items).") var noMask = false
    @Option(help: "DNS / MixGCF: candidates scored per kept negative.") var candidateFactor = TrainConfig().candidateFactor
    @Option(help: "ESANS: semantic_ids.tsv written by `esans cluster` (default: MSAC with the default settings, fitted into OUTPUT/msac and reused).") var semanticIds: String?
    @Option(help: "ESANS: hard negatives per positive (same primary cluster, other secondary).") var hard = ESANSSampler.Config().hard
    @Option(help: "ESANS: easy negatives per positive (other primary clusters).") var easy = ESANSSampler.Config().easy
    @Option(parsing: .unconditional, help: "ESANS: hard interpolation coefficient lambda in [-0.3, 0.5] (negative values allowed: --lambda -0.1).") var lambda = ESANSSampler.Config().lambda
    @Option(help: "ESANS: how lambda is chosen: \(LambdaRule.acceptedNames) (semihard: per pair, so that the mix scores --lambda-margin below the positive under the current model).") var lambdaRule = ESANSSampler.Config().lambdaRule
    @Option(help: "ESANS, --lambda-rule semihard: target gap between the positive's score and its mix's (cosine units).") var lambdaMargin = ESANSSampler.Config().lambdaMargin
    @Option(help: "ESANS: candidates drawn per hard negative, the one the model scores highest kept (DNS inside the primary cluster; 1 = off).") var hardCandidates = ESANSSampler.Config().hardCandidates
    @Option(help: "ESANS: candidates drawn per easy negative, the highest-scoring kept (1 = off).") var easyCandidates = ESANSSampler.Config().easyCandidates
    @Option(help: "ESANS: temperature of the softmax over centroid distances for easy clusters.") var clusterTemperature = ESANSSampler.Config().clusterTemperature
    @Flag(help: "ESANS ablation: no virtual negatives (EDIS off).") var noEdis = false
    @Flag(help: "ESANS ablation: no simple interpolation.") var noSimpleInterp = false
    @Flag(help: "ESANS ablation: no hard interpolation.") var noHardInterp = false
    @Flag(help: "ESANS ablation: primary clusters only (no secondary-cell filter).") var primaryOnly = false
    @Flag(help: "ESANS ablation: random clusters of the same sizes.") var randomClusters = false
    @Option(help: ArgumentHelp("ESANS: every N epochs, rebuild the behaviour modality from the item tower's vectors and refit the codebooks warm-started from the current clusters (0 = never; needs msac.safetensors beside --semantic-ids for the other modalities).", valueName: "n"))
    var refreshClusters = TrainConfig().refreshClusters
    @Option(help: "Random seed for everything.") var seed: UInt64 = 1
    @Option(help: "Evaluate every N epochs.") var evalEvery = TrainConfig().evalEvery
    @Option(help: "Share of each user's training items held out for validation, on which the stopping point is chosen (0 = none: train all epochs, report the last).") var validation = TrainConfig().validationFraction
    @Option(help: "Stop after N evaluations without a better validation Recall (needs validation; 0 = never).") var patience = TrainConfig().patience
    @Flag(inversion: .prefixedNo, help: "With validation: after selecting the stopping point, train again on all training data for the selected epochs and report that model.") var refit = TrainConfig().refit
    @Flag(help: "With --validation: evaluate the test split at every evaluation too (curves only; never used for a choice).") var testEveryEvaluation = false
    @Option(help: "Kernel threads (0 = all cores).") var threads = 0

    /// Checks every setting while parsing, so that a bad value is reported with the
    /// subcommand's usage (the data source is checked later, when it is read).
    func validate() throws {
        _ = try runConfig(data: RunConfig.DataSource(path: RunConfig.syntheticPath))
    }

    func runConfig(data: RunConfig.DataSource) throws -> RunConfig {
        var m = ModelConfig()
        m.dim = dim
        m.initStd = initStd
        let widths = try hidden.split(separator: ",").map { s -> Int in
            guard let w = Int(s.trimmingCharacters(in: .whitespaces)), w > 0 else { throw ValidationError("--hidden: '\(s)' is not a positive width") }
            return w
        }
        m.user = TowerConfig(idEmbedding: !noUserId, history: history, hidden: widths)
        m.item = TowerConfig(idEmbedding: true, hidden: widths)
        if noUserId && !history { throw ValidationError("--no-user-id needs --history (the user tower needs an input)") }
        var t = TrainConfig()
        t.sampler = sampler
        t.sharedNegatives = negatives
        t.perPositiveNegatives = perPositive
        t.candidateFactor = candidateFactor
        t.semanticIDs = semanticIds
        t.esans.hard = hard
        t.esans.easy = easy
        t.esans.lambda = lambda
        t.esans.lambdaRule = lambdaRule
        t.esans.hardCandidates = hardCandidates
        t.esans.easyCandidates = easyCandidates
        t.esans.lambdaMargin = lambdaMargin
        t.esans.clusterTemperature = clusterTemperature
        t.esans.edis = !noEdis
        t.esans.simpleInterpolation = !noSimpleInterp
        t.esans.hardInterpolation = !noHardInterp
        t.esans.useSecondary = !primaryOnly
        t.randomClusters = randomClusters
        t.refreshClusters = refreshClusters
        guard refreshClusters >= 0 else { throw ValidationError("--refresh-clusters must not be negative") }
        if refreshClusters > 0 && (sampler != .esans || randomClusters) {
            throw ValidationError("--refresh-clusters needs --sampler esans (and no --random-clusters)")
        }
        guard (-0.3...0.5).contains(lambda) else { throw ValidationError("--lambda must lie in [-0.3, 0.5]") }
        guard (1...64).contains(hardCandidates), (1...64).contains(easyCandidates) else {
            throw ValidationError("--hard-candidates and --easy-candidates must lie in 1...64")
        }
        guard lambdaMargin > 0, lambdaMargin < 2 else { throw ValidationError("--lambda-margin must lie in (0, 2)") }
        guard hard >= 0, (0...64).contains(easy), hard + easy > 0 else {
            throw ValidationError("--hard must be at least 0 and --easy lie in 0...64, with at least one negative between them")
        }
        t.epochs = epochs
        t.batchSize = batchSize
        t.loss.kind = loss
        t.loss.temperature = tau
        t.loss.bslWeight = bslWeight
        t.loss.cclMargin = cclMargin
        t.loss.cclWeight = cclWeight
        t.loss.adaptauWarmupEpochs = adaptauWarmup
        if let problem = t.loss.problems().first { throw ValidationError(problem) }
        t.lrSchedule = lrSchedule
        guard (0..<1).contains(userDropout) else { throw ValidationError("--user-dropout must lie in [0, 1)") }
        guard embeddingL2 >= 0 else { throw ValidationError("--embedding-l2 must not be negative") }
        guard plateauFactor > 0 && plateauFactor < 1, plateauPatience >= 1, plateauDrops >= 0 else {
            throw ValidationError("--plateau-factor must lie in (0, 1), --plateau-patience be at least 1 and --plateau-drops not negative")
        }
        t.userDropout = userDropout
        t.embeddingL2 = embeddingL2
        t.plateauFactor = plateauFactor
        t.plateauPatience = plateauPatience
        t.plateauDrops = plateauDrops
        t.logQCorrection = !noLogq
        t.maskAccidentalHits = !noMask
        t.seed = seed
        t.evalEvery = evalEvery
        t.validationFraction = validation
        t.patience = patience
        t.refit = refit
        t.testEveryEvaluation = testEveryEvaluation
        t.threads = threads
        guard epochs > 0, batchSize > 0, (tau ?? 1) > 0, lr > 0, dim > 0, negatives >= 0, perPositive >= 0 else {
            throw ValidationError("--epochs, --batch-size, --tau, --lr and --dim must be positive; --negatives and --per-positive not negative")
        }
        var o = AdamOptimizer.Config()
        o.learningRate = lr
        o.weightDecay = weightDecay
        return RunConfig(data: data, model: m, training: t, optimizer: o)
    }
}

import Foundation

extension LossKind: ExpressibleByArgument {}
extension DataFormat: ExpressibleByArgument {}
extension SamplerKind: ExpressibleByArgument {}
extension LRSchedule: ExpressibleByArgument {}
extension LambdaRule: ExpressibleByArgument {}
extension BudgetRegime: ExpressibleByArgument {}
extension SweepParameter: ExpressibleByArgument {}
extension BaselineMethod: ExpressibleByArgument {}

/// The comma-separated values of a list option (`--samplers uns,dns`), each a name of `T`; an
/// unknown name fails with the option, the name and the accepted names.
func parseList<T: NamedSetting>(_ text: String, option: String, as: T.Type) throws -> [T] {
    try text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { name in
        guard let value = T(rawValue: name) else { throw ValidationError("\(option): \(T.unknownValueMessage(name))") }
        return value
    }
}
