import NumCore

/// How ESANS keeps one of a negative slot's scored candidates (`--candidate-selection`), when
/// it draws several per slot (`--hard-candidates`, `--easy-candidates`).
public enum CandidateSelection: String, NamedSetting {
    /// The candidate the current model scores highest: DNS inside the MSAC proposal. The kept
    /// negative's proposal then depends on the model, so it carries no logQ.
    case hardest
    /// Sampling-importance-resampling toward the loss's own softmax: candidate k, drawn from the
    /// MSAC proposal q, is kept with probability proportional to exp(z_k) / q_k (z: its logit
    /// at the loss's temperature), and carries the log-correction that gives it the slot's
    /// importance estimate of the partition, log(mean_k exp(z_k) / (n q_k)). The kept
    /// negatives then follow the model's softmax over the catalogue more and more closely as
    /// candidates grow, and the loss sees an estimate of the full-catalogue partition, not a
    /// hardest-of-k one.
    case resample

    public static var settingName: String { "candidate selection" }
}
