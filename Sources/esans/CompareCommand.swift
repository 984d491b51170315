import ArgumentParser
import Runs
import Foundation
import Training
import Experiments
import Sampling
import Losses
import NumCore

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train several samplers (or losses) with identical model, budget, epochs and seeds, and write a comparison report.",
        discussion: """
        Each (sampler, seed) is one run in OUTPUT/runs/<sampler>-seed<k>/; finished runs are reused and \
        unfinished ones resumed when the command is started again with the same options. Writes \
        OUTPUT/compare.json, compare.csv, report.md, report.html and SVG charts: Recall@K and NDCG@K \
        (K = 20, 50, 100, 200) as mean ± sd over seeds, change relative to UNS, training seconds per \
        epoch and false-negative rate. Budgets: --regime paper gives every sampler hard + easy (7) \
        negatives per positive and no shared pool; production adds a shared pool of 1024; custom keeps \
        --negatives and --per-positive (which the other regimes would override, so giving them needs --regime custom). \
        --sampler is for --losses only (the samplers compared are --samplers). --ablation adds the ESANS ablation arms (w/o EDIS, w/o simple \
        or hard interpolation, random clusters, primary-only). Without --semantic-ids, the ESANS runs use \
        MSAC semantic IDs fitted with the default settings into OUTPUT/msac (one per seed when the data \
        changes with the seed), made once and reused. --losses softmax,bsl,ccl,adaptau,bpr \
        compares losses instead, all with --sampler and the budget given (each loss with its own \
        default temperature unless --tau is given). Every run selects its stopping point on a validation \
        split carved from training (--validation, 0.1 by default; 0 turns it off) and the report leads \
        with the validation table; test figures are those of the selected (and, by default, refitted) model.
        """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var training: TrainingOptions
    @Option(help: "Samplers, comma-separated (default: all; none with --ablation). Without --semantic-ids, esans uses MSAC's default fit in OUTPUT/msac, made once and reused.") var samplers: String?
    @Option(help: "Losses, comma-separated (\(LossKind.acceptedNames)): compare losses with the one --sampler instead of samplers.") var losses: String?
    @Option(help: "Budget regime: paper (no shared pool, --hard + --easy negatives per positive), production (a shared pool of 1024 and the same per positive) or custom (--negatives and --per-positive as given; needed to give them). Default: paper for samplers, custom for --losses.") var regime: BudgetRegime?
    @Option(help: "Seeds per sampler (--seed, --seed + 1, ...).") var seeds = 3
    @Flag(help: "Run the ESANS ablation (full, w/o EDIS, w/o simple / hard interpolation, random clusters, primary-only).") var ablation = false
    @Option(help: ArgumentHelp("Train every variant for about S seconds instead of --epochs: each variant's speed is measured by a 2-epoch probe (kept in OUTPUT/time_budget.json) and its epochs set to S / seconds per epoch.", valueName: "S"))
    var budgetSeconds: Double?
    @Option(help: "Experiment directory.") var output: String

    /// Checks the settings, and refuses options the comparison would override (`--sampler`
    /// without `--losses`; `--negatives`, `--per-positive` under the paper or production regime;
    /// `--edis` / `--no-edis`, `--refresh-clusters` and the scored-candidate options with `--ablation`).
    func validate() throws {
        try dataOptions.requireData()
        let base = try training.runConfig(data: dataOptions.source())
        if losses == nil, let sampler = training.sampler {
            try ExperimentOptionChecks.checkSampler(training, trains: ablation ? "--ablation trains esans and its ablation arms"
                                                        : "compare without --losses trains the samplers of --samplers (all by default)",
                                                    fix: "give --samplers \(sampler.rawValue) to compare it, or --losses to compare losses with --sampler \(sampler.rawValue)")
        }
        if ablation, let edis = training.edis {
            throw ValidationError("--\(edis ? "" : "no-")edis cannot be combined with --ablation: the ablation sets EDIS in each arm (on in full ESANS and every arm but \"w/o EDIS\"); leave it out")
        }
        let drawOptions = [("--hard-candidates", training.hardCandidates != nil), ("--easy-candidates", training.easyCandidates != nil),
                           ("--easy-proposal", training.easyProposal != nil), ("--candidate-selection", training.candidateSelection != nil)]
        if ablation, let (flag, _) = drawOptions.first(where: \.1) {
            throw ValidationError("\(flag) cannot be combined with --ablation: the ablation takes the paper's method apart (one unscored draw per negative, easy negatives drawn per cluster); leave it out")
        }
        if ablation, training.refreshClusters != nil {
            throw ValidationError("--refresh-clusters cannot be combined with --ablation: the ablation takes the paper's method apart, and no arm refreshes its clusters; leave it out")
        }
        try ExperimentOptionChecks.checkBudget(training, base: base.training, regime: regime ?? (losses == nil ? .paper : .custom),
                                               defaultRule: regime == nil ? "the default for comparing samplers" : nil)
    }

    func run() throws {
        var base = try training.runConfig(data: dataOptions.source())
        guard seeds > 0 else { throw ValidationError("--seeds must be positive") }
        let seedList = ExperimentPlan.seeds(count: seeds, first: base.training.seed)
        let dir = URL(fileURLWithPath: output)
        if let losses {
            guard samplers == nil, !ablation else { throw ValidationError("--losses compares losses with one --sampler; it cannot be combined with --samplers or --ablation") }
            let kinds = try parseList(losses, option: "--losses", as: LossKind.self)
            var bySeed: [UInt64: String] = [:]
            if base.training.sampler.needsSemanticIDs { bySeed = try DefaultSemanticIDs.forExperiment(base, seeds: seedList, output: dir) { print($0) } }
            (regime ?? .custom).apply(to: &base.training)
            var plan: ExperimentPlan
            do {
                plan = try PlanCatalog.lossComparison(base: base, losses: kinds, seeds: seedList, semanticIDsBySeed: bySeed)
            } catch let e as ExperimentError { throw ValidationError(e.message) }
            if let budgetSeconds { plan = try TimeBudgetPlanning.apply(budgetSeconds, to: plan, output: dir) }
            try runExperiment(plan, output: output)
            return
        }
        let budget = regime ?? .paper
        let names: [SamplerKind]
        if let samplers {
            names = try parseList(samplers, option: "--samplers", as: SamplerKind.self)
        } else {
            names = ablation ? [] : SamplerKind.allCases
        }
        // ESANS without --semantic-ids: the default MSAC fit in OUTPUT/msac (made once, then reused).
        var bySeed: [UInt64: String] = [:]
        if ablation || names.contains(where: \.needsSemanticIDs) {
            bySeed = try DefaultSemanticIDs.forExperiment(base, seeds: seedList, output: dir) { print($0) }
        }
        var plan: ExperimentPlan
        do {
            plan = try PlanCatalog.comparison(base: base, samplers: names, regime: budget, seeds: seedList, ablation: ablation, semanticIDsBySeed: bySeed)
        } catch let e as ExperimentError { throw ValidationError(e.message) }
        if let budgetSeconds { plan = try TimeBudgetPlanning.apply(budgetSeconds, to: plan, output: dir) }
        try runExperiment(plan, output: output)
    }
}

/// Runs (or reuses) every run of `plan` under `output` with progress output, then writes and
/// summarises the report; shared by `compare` and `sweep`.
func runExperiment(_ plan: ExperimentPlan, output: String) throws {
    let dir = URL(fileURLWithPath: output)
    print("\(plan.title): \(plan.variants.count) variants x \(plan.seeds.count) seeds = \(plan.runs.count) runs in \(dir.appendingPathComponent("runs").path)")
    for n in plan.notes { print("note: \(n)") }
    var bar: ProgressBar? = nil
    var evaluations = StageProgress(prefix: "  ")
    // The whole experiment's ETA, from the runs trained so far (per variant).
    var eta = ExperimentETA(runs: plan.runs)
    let runner = ExperimentRunner(plan: plan, output: dir)
    let logs: [RunKey: MetricsLog]
    do {
        logs = try runner.runAll { event in
            switch event {
            case .reused(let key, let i, let n):
                eta.reused(key)
                print("run \(i)/\(n): \(key): finished earlier, reused")
            case .started(let key, let i, let n, let resuming):
                evaluations = StageProgress(prefix: "  ")
                let left = eta.secondsLeft.map { "; experiment ETA \(ProgressBar.clock($0))" } ?? ""
                print("run \(i)/\(n): \(key) (\(resuming ? "resuming" : "training")\(left))")
            case .training(let key, let e):
                switch e {
                case .step(let epoch, let step, let of, let loss):
                    if step == 1 {
                        bar = ProgressBar(total: of, label: "  \(key.variant) s\(key.seed) epoch \(epoch)/\(plan.config(for: key).training.epochs)", unit: "steps")
                    }
                    bar?.update(step, suffix: String(format: "loss %.4f", loss))
                case .evaluating(let split, let done, let of):
                    evaluations.update("evaluating \(split)", done: done, total: of, unit: "users")
                case .epochDone(let stats, let metrics, _):
                    var line = String(format: "  epoch %3d  loss %.4f  train %.2fs", stats.epoch, stats.loss, stats.seconds)
                    if let m = metrics { line += String(format: "  recall@50 %.4f", m.values["recall@50"] ?? 0) }
                    print(line)
                case .resumed(let epoch):
                    print("  resuming after epoch \(epoch)")
                case .earlyStop(let epoch):
                    print("  early stop after epoch \(epoch)")
                case .note(let text):
                    print("  note: \(text)")
                default:
                    break
                }
            case .finished(let key, let log, let seconds):
                eta.trained(key, seconds: seconds)
                // Validation first when the run held one out: settings are chosen on it.
                let f = log.final ?? [:]
                let valid = f[ExperimentSummary.validationPrefix + "recall@50"].map { String(format: ", valid recall@50 %.4f", $0) } ?? ""
                print(String(format: "  done in %.1fs%@, %@recall@50 %.4f", seconds, valid, valid.isEmpty ? "" : "test ", f["recall@50"] ?? 0))
            }
        }
    } catch let e as ExperimentError { throw ValidationError(e.message) }
    var summary = try ExperimentSummary(plan: plan, logs: logs, cutoffs: plan.base.training.cutoffs)
    // Each run's per-user test metrics, for the paired tests against the baseline (runs from
    // before these files existed are left untested).
    var perUser: [RunKey: PerUserMetrics] = [:]
    for key in plan.runs {
        let url = runner.directory(for: key).appendingPathComponent(RunFiles.perUserTest)
        if FileManager.default.fileExists(atPath: url.path) { perUser[key] = try PerUserMetrics.read(from: url) }
    }
    summary.addSignificance(perUser: perUser)
    try ReportWriter.write(summary: summary, plan: plan, to: dir)
    printSummary(summary)
    print("\nreport: \(dir.appendingPathComponent("report.md").path) (and report.html, compare.json, compare.csv, *.svg)")
}

/// Prints Recall@50, NDCG@50, the change against the baseline and the cost per variant.
private func printSummary(_ s: ExperimentSummary) {
    let width = max(8, s.variants.map(\.label.count).max() ?? 8)
    func pad(_ t: String, _ n: Int) -> String { t.padding(toLength: max(n, t.count), withPad: " ", startingAt: 0) }
    let vs = "vs " + (s.baseline ?? "-"), vsWidth = max(7, vs.count)
    // With a validation split its figure comes first: settings are chosen on it, not on test.
    let validKey = ExperimentSummary.validationPrefix + "recall@50"
    let valid = s.hasValidation
    print("\n" + pad("variant", width) + "  " + (valid ? pad("valid recall@50", 15) + "  " : "") + pad("recall@50", 15) + "  " + pad("ndcg@50", 15) + "  " +
          String(repeating: " ", count: vsWidth - vs.count) + vs + "  " + "s/epoch" + "  FN rate")
    for v in s.variants {
        let r = v.metrics["recall@50"], n = v.metrics["ndcg@50"]
        let text = (v.relativeChange["recall@50"].map { String(format: "%+.1f%%", $0 * 100) } ?? "-") + (v.significance["recall@50"]?.marker ?? "")
        let change = String(repeating: " ", count: max(0, vsWidth - text.count)) + text
        print(pad(v.label, width) + (valid ? "  " + pad(v.metrics[validKey]?.text ?? "-", 15) : "") +
              "  " + pad(r?.text ?? "-", 15) + "  " + pad(n?.text ?? "-", 15) +
              String(format: "  %@  %7.2f  %.5f", change, v.trainSecondsPerEpoch.mean, v.falseNegativeRate))
    }
}
