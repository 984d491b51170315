import Foundation
import Runs
import NumCore
import Sampling
import Losses
import Training

/// The standard plans behind `esans compare`, `esans compare --ablation` and `esans sweep`.
public enum PlanCatalog {
    /// The ESANS ablation arms, in report order: (name, label, change to the configuration).
    public static let ablationArms: [(name: String, label: String, change: @Sendable (inout TrainConfig) -> Void)] = [
        // Every arm but "w/o EDIS" has EDIS on: the ablation takes the paper's full method
        // apart, whatever the default of `--edis` (and none refreshes its clusters, see
        // ``comparison(base:samplers:regime:seeds:ablation:semanticIDsBySeed:)``).
        ("esans", "ESANS (full)", { $0.esans.edis = true }),
        ("no-edis", "w/o EDIS", { $0.esans.edis = false }),
        ("no-simple-interp", "w/o simple interpolation", { $0.esans.edis = true; $0.esans.simpleInterpolation = false }),
        ("no-hard-interp", "w/o hard interpolation", { $0.esans.edis = true; $0.esans.hardInterpolation = false }),
        ("random-clusters", "random clusters", { $0.esans.edis = true; $0.randomClusters = true }),
        ("primary-only", "primary clusters only", { $0.esans.edis = true; $0.esans.useSecondary = false }),
    ]

    /// Samplers trained with identical model, epochs, seeds and budget (`regime`), plus the
    /// ESANS ablation arms when `ablation` is set. Relative changes are against full ESANS in
    /// an ablation, otherwise against `uns` when it is among the samplers, else the first variant.
    /// ESANS runs take their semantic IDs from the base, else from `semanticIDsBySeed` (see
    /// ``ExperimentPlan/semanticIDsBySeed``).
    public static func comparison(base: RunConfig, samplers: [SamplerKind], regime: BudgetRegime, seeds: [UInt64],
                                  ablation: Bool = false, semanticIDsBySeed: [UInt64: String] = [:]) throws -> ExperimentPlan {
        let needsIDs = samplers.contains { $0.needsSemanticIDs } || ablation
        if needsIDs && !ExperimentPlan.hasSemanticIDs(base: base, seeds: seeds, bySeed: semanticIDsBySeed) {
            throw ExperimentError("esans (and the ablation) needs --semantic-ids FILE (semantic_ids.tsv from `esans cluster`)")
        }
        var variants = samplers.filter { !(ablation && $0 == .esans) }.map { s in
            ExperimentVariant(name: s.rawValue, label: s.label) { c in
                var c = c
                c.training.sampler = s
                regime.apply(to: &c.training)
                return c
            }
        }
        if ablation {
            for arm in ablationArms {
                let change = arm.change
                variants.append(ExperimentVariant(name: arm.name, label: arm.label) { c in
                    var c = c
                    c.training.sampler = .esans
                    // The paper's method: clusters fitted once, one unscored draw per negative,
                    // easy negatives drawn per cluster (EDIS is each arm's own).
                    c.training.refreshClusters = 0
                    c.training.esans.usePaperDraws()
                    change(&c.training)
                    regime.apply(to: &c.training)
                    return c
                })
            }
        }
        let names = variants.map(\.name)
        let baseline = ablation ? "esans" : names.contains("uns") ? "uns" : names.first
        var notes = regime.notes(for: samplers + (ablation ? [.esans] : []), base: base.training)
        if ablation {
            notes.append("Ablation arms change one thing each in full ESANS: EDIS off, one interpolation off, semantic IDs permuted across items (same cluster sizes), or hard negatives from the whole primary cluster.")
        }
        var plan = try ExperimentPlan(title: ablation ? "ESANS ablation" : "Sampler comparison", base: base, variants: variants,
                                      seeds: seeds, baseline: baseline, notes: notes,
                                      settings: ["kind": ablation ? "ablation" : "compare", "regime": regime.rawValue])
        plan.semanticIDsBySeed = semanticIDsBySeed
        return plan
    }

    /// Losses trained with identical model, sampler, budget, epochs and seeds: each variant
    /// changes only the loss, with that loss's own default knobs unless the base configuration
    /// sets them (a temperature given on the command line applies to every loss that has one).
    /// Relative changes are against `softmax` when it is among the losses, else the first.
    public static func lossComparison(base: RunConfig, losses: [LossKind], seeds: [UInt64],
                                      semanticIDsBySeed: [UInt64: String] = [:]) throws -> ExperimentPlan {
        guard !losses.isEmpty else { throw ExperimentError("--losses needs at least one loss") }
        if base.training.sampler.needsSemanticIDs && !ExperimentPlan.hasSemanticIDs(base: base, seeds: seeds, bySeed: semanticIDsBySeed) {
            throw ExperimentError("esans needs --semantic-ids FILE (semantic_ids.tsv from `esans cluster`)")
        }
        let variants = losses.map { kind in
            ExperimentVariant(name: kind.rawValue, label: kind.label) { c in
                var c = c
                c.training.loss.kind = kind
                return c
            }
        }
        let t = base.training
        let notes = [
            "Every loss trains \(t.sampler.label) negatives (\(t.sharedNegatives) shared per batch, \(t.perPositiveNegatives) per positive) with the same model, schedule and seeds; only the loss differs.",
            "Temperatures: " + losses.filter(\.usesTemperature).map { k in
                "\(k.rawValue) \(t.loss.temperature ?? k.defaultTemperature)" }.joined(separator: ", ") +
                (losses.contains(.ccl) ? "; ccl margin \(t.loss.cclMargin), weight \(t.loss.cclWeight)" : "") +
                (losses.contains(.bsl) ? "; bsl weight \(t.loss.bslWeight)" : "") + ".",
        ]
        var plan = try ExperimentPlan(title: "Loss comparison", base: base, variants: variants, seeds: seeds,
                                      baseline: losses.contains(.softmax) ? "softmax" : losses[0].rawValue, notes: notes,
                                      settings: ["kind": "losses", "sampler": t.sampler.rawValue])
        plan.semanticIDsBySeed = semanticIDsBySeed
        return plan
    }
}
