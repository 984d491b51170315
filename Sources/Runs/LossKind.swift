import NumCore

/// The losses esans trains with (`--loss`).
public enum LossKind: String, NamedSetting {
    /// Sampled softmax / InfoNCE, the positive inside the partition.
    case softmax
    /// Bilateral softmax: the positive outside the partition, the log-partition weighted.
    case bsl
    /// Cosine contrastive loss with a margin and a negative weight (SimpleX).
    case ccl
    /// Softmax with a per-user adaptive temperature (Adap-tau).
    case adaptau
    /// Pairwise BPR, averaged over each row's negatives.
    case bpr

    public static var settingName: String { "loss" }

    /// Display name for reports.
    public var label: String {
        switch self {
        case .softmax: return "Softmax"
        case .bsl: return "BSL"
        case .ccl: return "CCL"
        case .adaptau: return "Adap-τ"
        case .bpr: return "BPR"
        }
    }

    /// The temperature a loss on logits uses when none is given (chosen on validation
    /// splits; see the README). Adap-tau sets its own and CCL works on raw cosines.
    public var defaultTemperature: Float {
        switch self {
        case .softmax: return 0.1
        case .bsl: return 0.08
        case .bpr: return 0.1
        case .ccl, .adaptau: return 1
        }
    }

    /// Whether the loss reads a temperature at all.
    public var usesTemperature: Bool { self == .softmax || self == .bsl || self == .bpr }
}
