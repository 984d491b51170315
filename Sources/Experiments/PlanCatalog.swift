import Foundation
import NumCore
import Sampling
import Losses
import Training

/// The hyperparameters `esans sweep` can vary.
public enum SweepParameter: String, NamedSetting {
    /// ESANS hard-interpolation coefficient lambda (`esans.lambda`).
    case lambda
    /// Number of primary clusters k_p: each value needs its own `semantic_ids.tsv`.
    case kp
    /// Temperature T_c of the softmax over centroid distances that picks easy clusters.
    case tc
    /// Hard negatives m_c out of the per-positive budget; the rest are easy (m_o = budget - m_c).
    case hard

    public static var settingName: String { "sweep parameter" }
}

/// The standard plans behind `esans compare`, `esans compare --ablation` and `esans sweep`.
public enum PlanCatalog {
    /// The ESANS ablation arms, in report order: (name, label, change to the configuration).
    public static let ablationArms: [(name: String, label: String, change: @Sendable (inout TrainConfig) -> Void)] = [
        ("esans", "ESANS (full)", { _ in }),
        ("no-edis", "w/o EDIS", { $0.esans.edis = false }),
        ("no-simple-interp", "w/o simple interpolation", { $0.esans.simpleInterpolation = false }),
        ("no-hard-interp", "w/o hard interpolation", { $0.esans.hardInterpolation = false }),
        ("random-clusters", "random clusters", { $0.randomClusters = true }),
        ("primary-only", "primary clusters only", { $0.esans.useSecondary = false }),
    ]

    /// Samplers trained with identical model, epochs, seeds and budget (`regime`), plus the
    /// ESANS ablation arms when `ablation` is set. Relative changes are against full ESANS in
    /// an ablation, otherwise against `uns` when it is among the samplers, else the first variant.
    public static func comparison(base: RunConfig, samplers: [SamplerKind], regime: BudgetRegime, seeds: [UInt64],
                                  ablation: Bool = false) throws -> ExperimentPlan {
        let needsIDs = samplers.contains { $0.needsSemanticIDs } || ablation
        if needsIDs && base.training.semanticIDs == nil {
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
        return try ExperimentPlan(title: ablation ? "ESANS ablation" : "Sampler comparison", base: base, variants: variants,
                                  seeds: seeds, baseline: baseline, notes: notes,
                                  settings: ["kind": ablation ? "ablation" : "compare", "regime": regime.rawValue])
    }

    /// Losses trained with identical model, sampler, budget, epochs and seeds: each variant
    /// changes only the loss, with that loss's own default knobs unless the base configuration
    /// sets them (a temperature given on the command line applies to every loss that has one).
    /// Relative changes are against `softmax` when it is among the losses, else the first.
    public static func lossComparison(base: RunConfig, losses: [LossKind], seeds: [UInt64]) throws -> ExperimentPlan {
        guard !losses.isEmpty else { throw ExperimentError("--losses needs at least one loss") }
        if base.training.sampler.needsSemanticIDs && base.training.semanticIDs == nil {
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
        return try ExperimentPlan(title: "Loss comparison", base: base, variants: variants, seeds: seeds,
                                  baseline: losses.contains(.softmax) ? "softmax" : losses[0].rawValue, notes: notes,
                                  settings: ["kind": "losses", "sampler": t.sampler.rawValue])
    }

    /// ESANS trained once per value of `parameter`, everything else identical. For `kp`,
    /// `semanticIDsPattern` names each value's `semantic_ids.tsv` with `{value}` standing for
    /// the value (e.g. `clusters/kp{value}/semantic_ids.tsv`). Relative changes are against
    /// `baseline` (a value as written) or the first value.
    public static func sweep(base: RunConfig, parameter: SweepParameter, values: [String], regime: BudgetRegime,
                             seeds: [UInt64], semanticIDsPattern: String? = nil, baseline: String? = nil) throws -> ExperimentPlan {
        guard !values.isEmpty else { throw ExperimentError("--values needs at least one value") }
        // Every value trains ESANS with one change to the base training configuration.
        if parameter != .kp && base.training.semanticIDs == nil {
            throw ExperimentError("sweeping \(parameter.rawValue) trains esans, which needs --semantic-ids FILE")
        }
        let budget = base.training.esans.hard + base.training.esans.easy
        var variants: [ExperimentVariant] = []
        for raw in values {
            let value = raw.trimmingCharacters(in: .whitespaces)
            let change: @Sendable (inout TrainConfig) -> Void
            let label: String
            switch parameter {
            case .lambda:
                guard let x = Float(value), (-0.3...0.5).contains(x) else {
                    throw ExperimentError("lambda value '\(value)' is not a number in [-0.3, 0.5]")
                }
                change = { $0.esans.lambda = x }
                label = "λ = \(value)"
            case .tc:
                guard let t = Float(value), t > 0, t.isFinite else { throw ExperimentError("tc value '\(value)' is not a positive number") }
                change = { $0.esans.clusterTemperature = t }
                label = "T_c = \(value)"
            case .hard:
                guard let h = Int(value), (0...budget).contains(h) else {
                    throw ExperimentError("hard value '\(value)' is not an integer in 0...\(budget) (the per-positive budget --hard + --easy)")
                }
                change = { $0.esans.hard = h; $0.esans.easy = budget - h }
                label = "m_c = \(h), m_o = \(budget - h)"
            case .kp:
                guard let k = Int(value), k > 0 else { throw ExperimentError("kp value '\(value)' is not a positive integer") }
                guard let pattern = semanticIDsPattern, pattern.contains("{value}") else {
                    throw ExperimentError("sweeping kp needs --semantic-ids-pattern with {value}, e.g. 'clusters/kp{value}/semantic_ids.tsv'")
                }
                let path = pattern.replacingOccurrences(of: "{value}", with: String(k))
                guard FileManager.default.fileExists(atPath: path) else {
                    throw ExperimentError("kp=\(k): \(path) does not exist (run `esans cluster` with k_p = \(k) first)")
                }
                change = { $0.semanticIDs = path }
                label = "k_p = \(k)"
            }
            variants.append(ExperimentVariant(name: "\(parameter.rawValue)=\(value)", label: label) { c in
                var c = c
                c.training.sampler = .esans
                change(&c.training)
                regime.apply(to: &c.training)
                return c
            })
        }
        let chosen = baseline.map { "\(parameter.rawValue)=\($0)" } ?? variants.first?.name
        var notes = regime.notes(for: [.esans], base: base.training)
        notes.append("Sweep of `\(parameter.rawValue)` over \(values.joined(separator: ", ")) with ESANS; everything else as in the base configuration.")
        return try ExperimentPlan(title: "Sweep of \(parameter.rawValue)", base: base, variants: variants, seeds: seeds,
                                  baseline: chosen, notes: notes,
                                  settings: ["kind": "sweep", "parameter": parameter.rawValue, "regime": regime.rawValue])
    }
}
