import ArgumentParser
import Foundation
import Training
import Experiments

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train once per value of a hyperparameter (ESANS: lambda, lambda-margin, kp, tc, hard, refresh-clusters; loss: tau, bsl-weight, ccl-margin, ccl-weight) and write a comparison report.",
        discussion: """
        Same outputs and reuse as `esans compare`, one variant per value (OUTPUT/runs/<param>=<value>-seed<k>/). \
        --param lambda sets the hard-interpolation coefficient (values in [-0.3, 0.5]) and uses --semantic-ids \
        (without it, MSAC's default fit in OUTPUT/msac, as `esans compare` makes it). \
        --param lambda-margin uses the semi-hard lambda rule with each margin (values in (0, 2)). \
        --param kp uses one semantic_ids.tsv per number of primary clusters, named by \
        --semantic-ids-pattern with {value} replaced, e.g. 'clusters/kp{value}/semantic_ids.tsv'. \
        --param tc sets the easy-cluster temperature T_c (positive values); --param hard splits the \
        per-positive budget (--hard + --easy) into that many hard negatives and the rest easy. \
        --param refresh-clusters refits the codebooks on the item tower every N epochs (0 = fixed clusters; \
        needs the MSAC fit beside the semantic IDs). \
        The loss's knobs (tau, bsl-weight, ccl-margin, ccl-weight) train the --sampler and --loss given, \
        with the budget given. Budgets: --regime paper (the default for ESANS's knobs) gives every run --hard + --easy (7) \
        negatives per positive and no shared pool, production adds a shared pool of 1024, custom (the default for the \
        loss's knobs) keeps --negatives and --per-positive; those two, and --sampler other than esans for ESANS's knobs, \
        are refused where they would be overridden. \
        Every run holds out part of each user's training items (--validation, 0.1 by default): the \
        report leads with the validation table, on which settings should be chosen (never on the test split).
        """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var training: TrainingOptions
    @Option(help: "Hyperparameter: \(SweepParameter.acceptedNames).") var param: SweepParameter
    @Option(parsing: .unconditional, help: "Values, comma-separated (e.g. -0.3,-0.1,0.1,0.3,0.5).") var values: String
    @Option(help: "kp: path of each value's semantic_ids.tsv with {value} in it.") var semanticIdsPattern: String?
    @Option(help: "Value the relative changes are computed against (default: the first).") var baseline: String?
    @Option(help: "Budget regime: paper (no shared pool, --hard + --easy negatives per positive), production (a shared pool of 1024 and the same per positive) or custom (--negatives and --per-positive as given; needed to give them). Default: paper for ESANS's knobs, custom for the loss's.") var regime: BudgetRegime?
    @Option(help: "Seeds per value (--seed, --seed + 1, ...).") var seeds = 3
    @Option(help: "Experiment directory.") var output: String

    /// Checks the settings, and refuses options the sweep would override (`--sampler` other
    /// than esans for ESANS's knobs; `--negatives`, `--per-positive` under the paper or
    /// production regime).
    func validate() throws {
        try dataOptions.requireData()
        let base = try training.runConfig(data: dataOptions.source())
        if param.trainsESANS {
            try ExperimentOptionChecks.checkSampler(training, forced: .esans, trains: "a sweep of \(param.rawValue) trains esans in every run",
                                                    fix: "leave --sampler out, or sweep a knob of the loss (tau, bsl-weight, ccl-margin, ccl-weight), which trains --sampler")
        }
        if [.lambda, .lambdaMargin].contains(param), training.edis == false {
            throw ValidationError("--no-edis cannot be combined with a sweep of \(param.rawValue): lambda acts only through EDIS's virtual negatives, so the sweep turns EDIS on in every run; leave --no-edis out")
        }
        try ExperimentOptionChecks.checkBudget(training, base: base.training, regime: regime ?? (param.trainsESANS ? .paper : .custom),
                                               defaultRule: regime == nil ? "the default for sweeping ESANS's knobs" : nil)
    }

    func run() throws {
        let base = try training.runConfig(data: dataOptions.source())
        let parameter = param, budget = regime ?? (param.trainsESANS ? .paper : .custom)
        guard seeds > 0 else { throw ValidationError("--seeds must be positive") }
        let list = values.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let seedList = ExperimentPlan.seeds(count: seeds, first: base.training.seed)
        // ESANS's knobs without --semantic-ids (kp needs one fit per value, from --semantic-ids-pattern).
        var bySeed: [UInt64: String] = [:]
        if parameter.trainsESANS && parameter != .kp {
            bySeed = try DefaultSemanticIDs.forExperiment(base, seeds: seedList, output: URL(fileURLWithPath: output)) { print($0) }
        }
        let plan: ExperimentPlan
        do {
            plan = try PlanCatalog.sweep(base: base, parameter: parameter, values: list, regime: budget, seeds: seedList,
                                         semanticIDsPattern: semanticIdsPattern, baseline: baseline, semanticIDsBySeed: bySeed)
        } catch let e as ExperimentError { throw ValidationError(e.message) }
        try runExperiment(plan, output: output)
    }
}
