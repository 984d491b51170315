import NumCore
import Runs
import Sampling
import Training

/// How many real negatives each sampler gets, identical for every sampler of a comparison.
/// Virtual negatives (EDIS, MixGCF mixing) are the only extra.
public enum BudgetRegime: String, NamedSetting {
    /// A small per-positive budget, m_c + m_o negatives per positive (7 by default), no shared pool.
    case paper
    /// A shared pool of 1024 uniform negatives per batch plus the same per-positive samples.
    case production
    /// The budget exactly as given on the command line (`--negatives`, `--per-positive`).
    case custom

    public static var settingName: String { "budget regime" }

    /// Size of the shared pool in the production regime.
    public static let productionSharedPool = 1024

    /// Applies the budget to `config`: the per-positive count is the ESANS budget
    /// `hard + easy`, and the shared pool 0 (paper) or 1024 (production).
    public func apply(to config: inout TrainConfig) {
        switch self {
        case .paper:
            config.sharedNegatives = 0
            config.perPositiveNegatives = config.esans.hard + config.esans.easy
        case .production:
            config.sharedNegatives = Self.productionSharedPool
            config.perPositiveNegatives = config.esans.hard + config.esans.easy
        case .custom:
            break
        }
    }

    /// What the budget means for each sampler, for the report: where a sampler cannot match
    /// it exactly, the note says so.
    public func notes(for samplers: [SamplerKind], base: TrainConfig) -> [String] {
        var c = base
        apply(to: &c)
        let m = c.perPositiveNegatives, shared = c.sharedNegatives
        var out = ["Budget regime `\(rawValue)`: \(shared) shared negatives per batch and \(m) negatives per positive for every sampler; virtual negatives are the only extra."]
        let s = Set(samplers)
        if s.contains(.inbatch) {
            out.append("`inbatch` takes its \(m) per-positive negatives\(shared > 0 ? " and its shared pool of \(min(shared, base.batchSize))" : "") from the positives of other rows, logQ-corrected by training frequency.")
        }
        if s.contains(.mns) {
            out.append("`mns` draws each negative from the batch's other positives or uniformly (half and half, logQ-corrected by the mixture).")
        }
        if shared > 0, !s.intersection([.dns, .mixgcf]).isEmpty {
            out.append("`dns` and `mixgcf` keep \(max(1, m)) of \(max(1, m) * c.candidateFactor) scored candidates per positive, plus the \(shared) shared uniform negatives.")
        } else if !s.intersection([.dns, .mixgcf]).isEmpty {
            out.append("`dns` and `mixgcf` keep \(max(1, m)) of \(max(1, m) * c.candidateFactor) scored candidates per positive.")
        }
        if s.contains(.esans) || samplers.isEmpty {
            out.append("`esans` splits the per-positive budget into \(c.esans.hard) hard + \(c.esans.easy) easy negatives and adds EDIS virtual negatives.")
        }
        return out
    }
}
