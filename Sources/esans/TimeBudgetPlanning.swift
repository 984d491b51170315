import ArgumentParser
import Foundation
import Experiments

/// `esans compare --budget-seconds S`: the plan's epochs set per variant by a time budget whose
/// speeds are measured once and kept in `OUTPUT/time_budget.json` (see ``TimeBudget``).
enum TimeBudgetPlanning {
    /// `plan` with each variant trained for about `seconds` of training: speeds read from
    /// `output`'s budget file when it has them for this budget, measured (and saved) otherwise.
    static func apply(_ seconds: Double, to plan: ExperimentPlan, output: URL) throws -> ExperimentPlan {
        guard seconds > 0, seconds.isFinite else { throw ValidationError("--budget-seconds must be a positive number of seconds, got \(seconds)") }
        var budget = TimeBudget(seconds: seconds)
        do {
            if let saved = try TimeBudget.read(from: output) {
                // The measured speeds stay valid for another budget on the same variants.
                budget.secondsPerEpoch = saved.secondsPerEpoch
                budget.probeEpochs = saved.probeEpochs
                let known = plan.variants.filter { saved.secondsPerEpoch[$0.name] != nil }.map(\.label)
                if !known.isEmpty { print("time budget: speeds measured earlier reused (\(TimeBudget.fileName)): \(known.joined(separator: ", "))") }
            }
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            try budget.measure(plan, output: output) { print($0) }
            try budget.write(to: output)
            return try budget.apply(to: plan)
        } catch let e as ExperimentError { throw ValidationError(e.message) }
    }
}
