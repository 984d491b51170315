import Foundation
import Runs
import NumCore
import Sampling
import Losses
import Training

/// The hyperparameters `esans sweep` can vary: ESANS's (each value trains ESANS) and the
/// loss's (each value trains the base configuration's sampler and loss).
public enum SweepParameter: String, NamedSetting {
    /// ESANS hard-interpolation coefficient lambda (`esans.lambda`).
    case lambda
    /// The `semihard` lambda rule's target margin (`esans.lambdaMargin`; sets that rule).
    case lambdaMargin = "lambda-margin"
    /// Number of primary clusters k_p: each value needs its own `semantic_ids.tsv`.
    case kp
    /// Temperature T_c of the softmax over centroid distances that picks easy clusters.
    case tc
    /// Hard negatives m_c out of the per-positive budget; the rest are easy (m_o = budget - m_c).
    case hard
    /// Refit the codebooks on the item tower every this many epochs (`refreshClusters`; 0 = never).
    case refreshClusters = "refresh-clusters"
    /// The loss's temperature (softmax, bsl, bpr).
    case tau
    /// BSL's weight of the negatives' log-partition.
    case bslWeight = "bsl-weight"
    /// CCL's margin.
    case cclMargin = "ccl-margin"
    /// CCL's weight of the negatives' mean.
    case cclWeight = "ccl-weight"

    public static var settingName: String { "sweep parameter" }

    /// Whether every value trains ESANS (the sampler's own knobs).
    public var trainsESANS: Bool { [.lambda, .lambdaMargin, .kp, .tc, .hard, .refreshClusters].contains(self) }
}

extension PlanCatalog {
    /// The base configuration trained once per value of `parameter`, everything else
    /// identical: ESANS for its knobs, the base sampler and loss for the loss's knobs. For `kp`,
    /// `semanticIDsPattern` names each value's `semantic_ids.tsv` with `{value}` standing for
    /// the value (e.g. `clusters/kp{value}/semantic_ids.tsv`). Relative changes are against
    /// `baseline` (a value as written) or the first value. ESANS runs without semantic IDs take
    /// them from `semanticIDsBySeed` (see ``ExperimentPlan/semanticIDsBySeed``).
    public static func sweep(base: RunConfig, parameter: SweepParameter, values: [String], regime: BudgetRegime,
                             seeds: [UInt64], semanticIDsPattern: String? = nil, baseline: String? = nil,
                             semanticIDsBySeed: [UInt64: String] = [:]) throws -> ExperimentPlan {
        guard !values.isEmpty else { throw ExperimentError("--values needs at least one value") }
        let esans = parameter.trainsESANS
        if esans && parameter != .kp && !ExperimentPlan.hasSemanticIDs(base: base, seeds: seeds, bySeed: semanticIDsBySeed) {
            throw ExperimentError("sweeping \(parameter.rawValue) trains esans, which needs --semantic-ids FILE")
        }
        let budget = base.training.esans.hard + base.training.esans.easy
        var variants: [ExperimentVariant] = []
        for raw in values {
            let value = raw.trimmingCharacters(in: .whitespaces)
            let change: @Sendable (inout TrainConfig) -> Void
            let label: String
            func positive(_ what: String) throws -> Float {
                guard let x = Float(value), x > 0, x.isFinite else { throw ExperimentError("\(what) value '\(value)' is not a positive number") }
                return x
            }
            switch parameter {
            case .lambda:
                guard let x = Float(value), (-0.3...0.5).contains(x) else {
                    throw ExperimentError("lambda value '\(value)' is not a number in [-0.3, 0.5]")
                }
                // λ acts only through EDIS's hard mixes: EDIS on in every run of the sweep.
                change = { $0.esans.edis = true; $0.esans.lambda = x }
                label = "λ = \(value)"
            case .lambdaMargin:
                guard let x = Float(value), x > 0, x < 2 else { throw ExperimentError("lambda-margin value '\(value)' is not a number in (0, 2)") }
                change = { $0.esans.edis = true; $0.esans.lambdaRule = .semihard; $0.esans.lambdaMargin = x }
                label = "semi-hard λ, margin \(value)"
            case .tc:
                let t = try positive("tc")
                change = { $0.esans.clusterTemperature = t }
                label = "T_c = \(value)"
            case .hard:
                guard let h = Int(value), (0...budget).contains(h) else {
                    throw ExperimentError("hard value '\(value)' is not an integer in 0...\(budget) (the per-positive budget --hard + --easy)")
                }
                change = { $0.esans.hard = h; $0.esans.easy = budget - h }
                label = "m_c = \(h), m_o = \(budget - h)"
            case .refreshClusters:
                guard let n = Int(value), n >= 0 else { throw ExperimentError("refresh-clusters value '\(value)' is not a non-negative integer (0 = never)") }
                change = { $0.refreshClusters = n }
                label = n == 0 ? "clusters fixed" : "refresh every \(n) epochs"
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
            case .tau:
                let t = try positive("tau")
                change = { $0.loss.temperature = t }
                label = "τ = \(value)"
            case .bslWeight:
                let w = try positive("bsl-weight")
                change = { $0.loss.bslWeight = w }
                label = "BSL weight \(value)"
            case .cclMargin:
                guard let m = Float(value), m > -1, m < 1 else { throw ExperimentError("ccl-margin value '\(value)' is not a number in (-1, 1)") }
                change = { $0.loss.cclMargin = m }
                label = "CCL margin \(value)"
            case .cclWeight:
                let w = try positive("ccl-weight")
                change = { $0.loss.cclWeight = w }
                label = "CCL weight \(value)"
            }
            variants.append(ExperimentVariant(name: "\(parameter.rawValue)=\(value)", label: label) { c in
                var c = c
                if esans { c.training.sampler = .esans }
                change(&c.training)
                regime.apply(to: &c.training)
                return c
            })
        }
        let chosen = baseline.map { "\(parameter.rawValue)=\($0)" } ?? variants.first?.name
        let t = base.training
        var notes = regime.notes(for: [esans ? .esans : t.sampler], base: t)
        notes.append("Sweep of `\(parameter.rawValue)` over \(values.joined(separator: ", ")) with " +
                     (esans ? "ESANS" : "\(t.sampler.label) negatives and the \(t.loss.kind.label) loss") +
                     "; everything else as in the base configuration.")
        var plan = try ExperimentPlan(title: "Sweep of \(parameter.rawValue)", base: base, variants: variants, seeds: seeds,
                                      baseline: chosen, notes: notes,
                                      settings: ["kind": "sweep", "parameter": parameter.rawValue, "regime": regime.rawValue])
        plan.semanticIDsBySeed = semanticIDsBySeed
        return plan
    }
}
