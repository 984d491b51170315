import NumCore

/// The negative samplers esans has (`--sampler`), with what each needs, declared once.
public enum SamplerKind: String, NamedSetting {
    /// Uniform over the catalogue.
    case uns
    /// Popularity^0.75 (word2vec), logQ-corrected.
    case pns
    /// Other rows' positives, logQ-corrected by training frequency.
    case inbatch
    /// Half in-batch, half uniform, logQ-corrected by the mixture.
    case mns
    /// Dynamic: the hardest of scored candidates.
    case dns
    /// MixGCF-style: candidates mixed with the positive, hardest kept.
    case mixgcf
    /// MSAC hard and easy negatives plus EDIS virtual negatives.
    case esans

    public static var settingName: String { "sampler" }

    /// Display name for reports.
    public var label: String {
        switch self {
        case .uns: return "UNS"
        case .pns: return "PNS"
        case .inbatch: return "In-batch"
        case .mns: return "MNS"
        case .dns: return "DNS"
        case .mixgcf: return "MixGCF"
        case .esans: return "ESANS"
        }
    }

    /// Whether the sampler needs semantic IDs (`esans cluster`).
    public var needsSemanticIDs: Bool { self == .esans }

    /// Whether the sampler scores candidates with the current model.
    public var scoresCandidates: Bool { self == .dns || self == .mixgcf }

    /// Whether the sampler's proposal is not uniform, so that the logQ correction matters.
    public var hasLogQ: Bool { self == .pns || self == .inbatch || self == .mns || self == .esans }
}
