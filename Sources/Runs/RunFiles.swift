/// The files of a run directory (`esans train --output DIR`).
public enum RunFiles {
    /// Every setting of the run (``RunConfig``), JSON.
    public static let config = "config.json"
    /// Per-epoch and final metrics (``MetricsLog``), JSON.
    public static let metrics = "metrics.json"
    /// The training checkpoint (model, optimiser and loss state), rewritten after every epoch.
    public static let checkpoint = "model.safetensors"
    /// The best checkpoint on the validation split so far.
    public static let best = "best.safetensors"
    /// The refit's checkpoint (training again on all training data).
    public static let refit = "refit.safetensors"
    /// The model the run reports, when it was chosen on a validation split (the selected
    /// weights or their refit); without one, the checkpoint is the final model.
    public static let finalModel = "final.safetensors"
    /// Each user's test metrics of the reported model (``PerUserMetrics``).
    public static let perUserTest = "per_user_test.safetensors"
    /// Vectors and id maps for numpy, PyTorch and faiss.
    public static let embeddings = "embeddings"

    /// The model file a finished run reports: ``finalModel`` when present, else ``checkpoint``.
    public static func reportedModel(in directory: String, exists: (String) -> Bool) -> String {
        let final = directory + "/" + finalModel
        return exists(final) ? final : directory + "/" + checkpoint
    }
}
