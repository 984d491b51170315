import ArgumentParser
import Runs
import Experiments

/// Options of `esans compare` and `esans sweep` that the experiment would override: a budget
/// regime sets every run's shared pool and per-positive negatives, and the experiment chooses
/// every run's sampler. An option given explicitly that would be overridden is refused (issue 16,
/// no silent guesses), with the regime or the rule in force and the option to use instead.
enum ExperimentOptionChecks {
    /// Refuses `--negatives` and `--per-positive` given with values that `regime` replaces.
    /// `defaultRule` says why the regime is in force when `--regime` was not given
    /// (e.g. `the default for comparing samplers`); nil when it was.
    static func checkBudget(_ training: TrainingOptions, base: TrainConfig, regime: BudgetRegime, defaultRule: String?) throws {
        guard regime != .custom else { return }
        var budget = base
        regime.apply(to: &budget)
        var overridden: [String] = []
        if let n = training.negatives, n != budget.sharedNegatives { overridden.append("--negatives \(n)") }
        if let m = training.perPositive, m != budget.perPositiveNegatives { overridden.append("--per-positive \(m)") }
        guard !overridden.isEmpty else { return }
        let why = defaultRule.map { " (\($0))" } ?? ""
        throw ValidationError("\(overridden.joined(separator: " and ")) would not be used: the budget regime '\(regime.rawValue)'\(why) gives every run "
                              + "\(budget.sharedNegatives == 0 ? "no shared pool" : "a shared pool of \(budget.sharedNegatives)") and "
                              + "--hard + --easy = \(budget.perPositiveNegatives) negatives per positive; give --regime custom to train with "
                              + "--negatives and --per-positive as given")
    }

    /// Refuses `--sampler` where the experiment sets every run's sampler itself: `compare`
    /// without `--losses` trains `--samplers` (or all samplers, or the ablation), and a sweep of
    /// one of ESANS's knobs trains esans. `forced` is the one sampler every run trains, when
    /// there is one: `--sampler` naming it changes nothing and is let through.
    static func checkSampler(_ training: TrainingOptions, forced: SamplerKind? = nil, trains: String, fix: String) throws {
        guard let sampler = training.sampler, sampler != forced else { return }
        throw ValidationError("--sampler \(sampler.rawValue) would not be used: \(trains); \(fix)")
    }
}
