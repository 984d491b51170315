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

/// Where the interactions come from. Every option is optional: one not given keeps the value
/// of the base source (none, or the `data` part of `train --config FILE`).
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Dataset: a LightGCN directory (train.txt, test.txt), a RecBole atomic directory or .inter file, a CSV/TSV file, or 'synthetic' (required unless `train --config` names it).")
    var data: String?

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
    @Option(parsing: .unconditional, help: ArgumentHelp("Hold this share of the items out of training entirely, all their interactions in test, for the cold-item evaluation (seeded; with --validation the same share of the other items becomes cold validation items).", valueName: "F"))
    var coldItems: Double?

    /// Checks the filter settings while parsing (the file itself is read later).
    func validate() throws {
        if let minRating, !minRating.isFinite { throw ValidationError("--min-rating must be a finite number") }
        if let kCore, kCore < 1 { throw ValidationError("--k-core must be at least 1") }
        if let coldItems, !(coldItems > 0 && coldItems < 1) { throw ValidationError("--cold-items must lie in (0, 1), got \(coldItems)") }
        if data == RunConfig.syntheticPath && (minRating != nil || kCore != nil) {
            throw ValidationError("--min-rating and --k-core filter data read from files, not the generated '\(RunConfig.syntheticPath)' data")
        }
    }

    /// For commands whose data comes from the options alone (no settings file): --data must
    /// be given and the options must fit together; checked while parsing.
    func requireData() throws {
        guard data != nil else { throw ValidationError("Missing expected argument '--data <data>'") }
        _ = try source()
    }

    /// The data source the options describe, over `base` (a settings file's): the options
    /// given replace its values, the others keep them.
    func source(over base: RunConfig.DataSource? = nil) throws -> RunConfig.DataSource {
        guard let path = data ?? base?.path else { throw ValidationError("Missing expected argument '--data <data>'") }
        var s = base ?? RunConfig.DataSource(path: path)
        s.path = path
        if let format { s.format = format }
        if let split {
            do { s.split = try Split.named(split) } catch { throw ValidationError("--split: \(error)") }
        }
        if strict { s.strict = true }
        if dedupe { s.dedupe = true }
        if let userColumn { s.userColumn = userColumn }
        if let itemColumn { s.itemColumn = itemColumn }
        if let timeColumn { s.timestampColumn = timeColumn }
        if noHeader { s.header = false }
        if let delimiter { s.delimiter = delimiter }
        if let ratingColumn { s.ratingColumn = ratingColumn }
        if let minRating { s.minRating = minRating }
        if let kCore { s.kCore = kCore }
        if let coldItems { s.coldItems = coldItems }
        if s.ratingColumn != nil && s.minRating == nil { throw ValidationError("--rating-column is only read for --min-rating; give both") }
        if s.path == RunConfig.syntheticPath && (s.minRating != nil || s.kCore != nil) {
            throw ValidationError("--min-rating and --k-core filter data read from files, not the generated '\(RunConfig.syntheticPath)' data")
        }
        return s
    }
}

/// Help text that names the default an optional option stands for when it is not given.
func help(_ text: String, default value: Any, valueName: String? = nil) -> ArgumentHelp {
    ArgumentHelp("\(text) (default: \(value))", valueName: valueName)
}

/// Model and training hyperparameters. Every option is optional: one not given keeps the value
/// of the base configuration (the recipe's defaults, ``RunConfig/init(data:)``, or the file of
/// `train --config`), so an option given explicitly always wins. A flag can only switch its
/// setting on (`--history`) or off (`--no-logq`); `--refit` / `--no-refit` do either.
struct TrainingOptions: ParsableArguments {
    static let t = TrainConfig(), e = ESANSConfig(), l = LossConfig(), m = RunConfig.defaultModel, o = RunConfig.defaultOptimizer

    @Option(help: help("Negative sampler: \(SamplerKind.acceptedNames).", default: t.sampler.rawValue)) var sampler: SamplerKind?
    @Option(help: help("Negatives shared by each batch (UNS pool).", default: t.sharedNegatives)) var negatives: Int?
    @Option(help: help("Negatives drawn for each positive.", default: t.perPositiveNegatives)) var perPositive: Int?
    @Option(help: help("Training epochs.", default: t.epochs)) var epochs: Int?
    @Option(help: help("Batch size.", default: t.batchSize)) var batchSize: Int?
    @Option(help: help("Adam learning rate (peak of the schedule).", default: o.learningRate)) var lr: Float?
    @Option(help: help("Learning-rate schedule: constant, cosine or linear (decay to 0 over the run), or plateau (drop by --plateau-factor when validation stops improving, best checkpoint reloaded).", default: t.lrSchedule.rawValue)) var lrSchedule: LRSchedule?
    @Option(help: help("Loss: softmax, bsl, ccl, adaptau or bpr.", default: l.kind.rawValue)) var loss: LossKind?
    @Option(help: "Temperature of the logits (softmax, bsl, bpr; default: the loss's own, \(LossKind.allCases.filter(\.usesTemperature).map { "\($0.rawValue) \($0.defaultTemperature)" }.joined(separator: ", "))).") var tau: Float?
    @Option(help: help("bsl: weight of the negatives' log-partition.", default: l.bslWeight)) var bslWeight: Float?
    @Option(help: help("ccl: margin below which a negative costs nothing.", default: l.cclMargin)) var cclMargin: Float?
    @Option(help: help("ccl: weight of the negatives' mean.", default: l.cclWeight)) var cclWeight: Float?
    @Option(help: help("adaptau: epochs before the global temperature follows the model.", default: l.adaptauWarmupEpochs)) var adaptauWarmup: Int?
    @Option(help: help("Dropout rate on the user vector before normalisation.", default: t.userDropout)) var userDropout: Float?
    @Option(help: help("L2 penalty on the embedding rows of each batch.", default: t.embeddingL2)) var embeddingL2: Float?
    @Option(help: help("Plateau schedule: factor of each learning-rate drop.", default: t.plateauFactor)) var plateauFactor: Float?
    @Option(help: help("Plateau schedule: evaluations without improvement before a drop.", default: t.plateauPatience)) var plateauPatience: Int?
    @Option(help: help("Plateau schedule: drops before training stops at the next plateau.", default: t.plateauDrops)) var plateauDrops: Int?
    @Option(help: help("Decoupled weight decay (AdamW).", default: o.weightDecay)) var weightDecay: Float?
    @Option(help: help("Embedding / output dimension.", default: m.dim)) var dim: Int?
    @Option(help: help("Std of the normal initialisation of embeddings.", default: m.initStd)) var initStd: Float?
    @Option(help: "MLP hidden widths for both towers, comma-separated (e.g. 128); empty = none (the default).") var hidden: String?
    @Flag(help: "User tower: add the mean of the user's training-item embeddings.") var history = false
    @Flag(help: "User tower: no ID embedding (history only; needs --history).") var noUserId = false
    @Flag(help: "No logQ correction (for every sampler whose proposal is not uniform: pns, inbatch, mns, esans).") var noLogq = false
    @Flag(help: "Do not mask accidental hits (negatives that are the user's training items).") var noMask = false
    @Option(help: help("DNS / MixGCF: candidates scored per kept negative.", default: t.candidateFactor)) var candidateFactor: Int?
    @Option(help: "ESANS: semantic_ids.tsv written by `esans cluster` (default: MSAC with the default settings, fitted into OUTPUT/msac and reused).") var semanticIds: String?
    @Option(help: help("ESANS: hard negatives per positive (same primary cluster, other secondary).", default: e.hard)) var hard: Int?
    @Option(help: help("ESANS: easy negatives per positive (other primary clusters).", default: e.easy)) var easy: Int?
    @Option(parsing: .unconditional, help: help("ESANS: hard interpolation coefficient lambda in [-0.3, 0.5] (negative values allowed: --lambda -0.1).", default: e.lambda)) var lambda: Float?
    @Option(help: help("ESANS: how lambda is chosen: \(LambdaRule.acceptedNames) (semihard: per pair, so that the mix scores --lambda-margin below the positive under the current model).", default: e.lambdaRule.rawValue)) var lambdaRule: LambdaRule?
    @Option(help: help("ESANS, --lambda-rule semihard: target gap between the positive's score and its mix's (cosine units).", default: e.lambdaMargin)) var lambdaMargin: Float?
    @Option(help: help("ESANS: candidates drawn per hard negative and scored by the model, one kept by --candidate-selection (1 = the paper's unscored draw).", default: e.hardCandidates)) var hardCandidates: Int?
    @Option(help: help("ESANS: candidates drawn per easy negative and scored, one kept by --candidate-selection (1 = off).", default: e.easyCandidates)) var easyCandidates: Int?
    @Option(help: help("ESANS: temperature of the softmax over centroid distances for easy clusters.", default: e.clusterTemperature)) var clusterTemperature: Float?
    @Option(help: help("ESANS: how easy negatives are drawn from the other clusters: \(EasyProposal.acceptedNames) (cluster: a cluster by the softmax, then an item uniformly, as in the paper; item: clusters weighted by their sizes too, so that each item counts; popularity: items weighted by training frequency^0.75 as in PNS, with logQ).", default: e.easyProposal.rawValue)) var easyProposal: EasyProposal?
    @Option(help: help("ESANS: how one of a slot's scored candidates is kept: \(CandidateSelection.acceptedNames) (hardest: the top score, DNS inside the MSAC proposal; resample: importance resampling toward the loss's softmax, with its logQ).", default: e.candidateSelection.rawValue)) var candidateSelection: CandidateSelection?
    @Flag(inversion: .prefixedNo, help: "ESANS: EDIS's virtual negatives (mixes of sampled negatives, and of the positive with hard ones) on or off (default: off; on the default loss they cost accuracy on validation, see the README).") var edis: Bool?
    @Flag(help: "ESANS ablation: no simple interpolation.") var noSimpleInterp = false
    @Flag(help: "ESANS ablation: no hard interpolation.") var noHardInterp = false
    @Flag(help: "ESANS ablation: primary clusters only (no secondary-cell filter).") var primaryOnly = false
    @Flag(help: "ESANS ablation: random clusters of the same sizes.") var randomClusters = false
    @Option(help: help("ESANS: every N epochs, rebuild the behaviour modality from the item tower's vectors and refit the codebooks warm-started from the current clusters (0 = never; other modalities come from msac.safetensors beside --semantic-ids; ignored by other samplers and with --random-clusters).", default: t.refreshClusters, valueName: "n"))
    var refreshClusters: Int?
    @Option(help: help("Random seed for everything.", default: t.seed)) var seed: UInt64?
    @Option(help: help("Evaluate every N epochs.", default: t.evalEvery)) var evalEvery: Int?
    @Option(help: help("Share of each user's training items held out for validation, on which the stopping point is chosen (0 = none: train all epochs, report the last).", default: t.validationFraction)) var validation: Double?
    @Option(help: help("Stop after N evaluations without a better validation Recall (needs validation; 0 = never).", default: t.patience)) var patience: Int?
    @Flag(inversion: .prefixedNo, help: "With validation: after selecting the stopping point, train again on all training data for the selected epochs and report that model (default: on).") var refit: Bool?
    @Flag(help: "With --validation: evaluate the test split at every evaluation too (curves only; never used for a choice).") var testEveryEvaluation = false
    @Option(help: help("Kernel threads (0 = all cores).", default: t.threads)) var threads: Int?

    /// Checks the values given while parsing, so that a bad one is reported with the
    /// subcommand's usage. Checks across settings, which a settings file may satisfy, wait
    /// for ``runConfig(over:)`` (the commands without a file run them in their `validate()`).
    func validate() throws {
        var c = RunConfig(data: RunConfig.DataSource(path: RunConfig.syntheticPath))
        try apply(to: &c)
        if let problem = RunSettingsChecks.valueProblems(c).first { throw ValidationError(problem) }
    }

    /// `base` with the options given applied, checked as a whole.
    /// - Throws: `ValidationError` naming the option (and the setting's key) at fault.
    func runConfig(over base: RunConfig) throws -> RunConfig {
        var c = base
        try apply(to: &c)
        let problems = RunSettingsChecks.valueProblems(c) + RunSettingsChecks.combinationProblems(c)
        if let problem = problems.first { throw ValidationError(problem) }
        return c
    }

    /// The recipe's defaults over `data`, with the options given applied.
    func runConfig(data: RunConfig.DataSource) throws -> RunConfig {
        try runConfig(over: RunConfig(data: data))
    }

    /// Writes the options given into `c`.
    func apply(to c: inout RunConfig) throws {
        if let hidden {
            let widths = try hidden.split(separator: ",").map { s -> Int in
                guard let w = Int(s.trimmingCharacters(in: .whitespaces)), w > 0 else { throw ValidationError("--hidden: '\(s)' is not a positive width") }
                return w
            }
            c.model.user.hidden = widths
            c.model.item.hidden = widths
        }
        if let dim { c.model.dim = dim }
        if let initStd { c.model.initStd = initStd }
        if history { c.model.user.history = true }
        if noUserId { c.model.user.idEmbedding = false }
        if let lr { c.optimizer.learningRate = lr }
        if let weightDecay { c.optimizer.weightDecay = weightDecay }
        func set<T>(_ value: T?, _ path: WritableKeyPath<TrainConfig, T>) { if let value { c.training[keyPath: path] = value } }
        set(sampler, \.sampler)
        set(negatives, \.sharedNegatives)
        set(perPositive, \.perPositiveNegatives)
        set(candidateFactor, \.candidateFactor)
        if let semanticIds { c.training.semanticIDs = semanticIds }
        set(hard, \.esans.hard)
        set(easy, \.esans.easy)
        set(lambda, \.esans.lambda)
        set(lambdaRule, \.esans.lambdaRule)
        set(hardCandidates, \.esans.hardCandidates)
        set(easyCandidates, \.esans.easyCandidates)
        set(lambdaMargin, \.esans.lambdaMargin)
        set(clusterTemperature, \.esans.clusterTemperature)
        set(easyProposal, \.esans.easyProposal)
        set(candidateSelection, \.esans.candidateSelection)
        set(edis, \.esans.edis)
        if noSimpleInterp { c.training.esans.simpleInterpolation = false }
        if noHardInterp { c.training.esans.hardInterpolation = false }
        if primaryOnly { c.training.esans.useSecondary = false }
        if randomClusters { c.training.randomClusters = true }
        set(refreshClusters, \.refreshClusters)
        set(epochs, \.epochs)
        set(batchSize, \.batchSize)
        set(loss, \.loss.kind)
        if let tau { c.training.loss.temperature = tau }
        set(bslWeight, \.loss.bslWeight)
        set(cclMargin, \.loss.cclMargin)
        set(cclWeight, \.loss.cclWeight)
        set(adaptauWarmup, \.loss.adaptauWarmupEpochs)
        set(lrSchedule, \.lrSchedule)
        set(userDropout, \.userDropout)
        set(embeddingL2, \.embeddingL2)
        set(plateauFactor, \.plateauFactor)
        set(plateauPatience, \.plateauPatience)
        set(plateauDrops, \.plateauDrops)
        if noLogq { c.training.logQCorrection = false }
        if noMask { c.training.maskAccidentalHits = false }
        set(seed, \.seed)
        set(evalEvery, \.evalEvery)
        set(validation, \.validationFraction)
        set(patience, \.patience)
        set(refit, \.refit)
        if testEveryEvaluation { c.training.testEveryEvaluation = true }
        set(threads, \.threads)
    }
}

import Foundation

extension LossKind: ExpressibleByArgument {}
extension DataFormat: ExpressibleByArgument {}
extension SamplerKind: ExpressibleByArgument {}
extension LRSchedule: ExpressibleByArgument {}
extension LambdaRule: ExpressibleByArgument {}
extension EasyProposal: ExpressibleByArgument {}
extension CandidateSelection: ExpressibleByArgument {}
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
