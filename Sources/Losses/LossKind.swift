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
}
