/// A stage of an MSAC fit that reports its progress as (done, total).
public enum MSACStage: String, Sendable, CaseIterable {
    /// Item images through EfficientNet-Lite0 (images done; cached ones are not counted).
    case encodingImages = "encoding images"
    /// Item texts through MiniLM (texts done).
    case encodingTexts = "encoding texts"
    /// The primary codebook's k-means (iterations done, over every restart).
    case kMeansPrimary = "k-means primary"
    /// The secondary codebook's k-means (iterations done, over every restart).
    case kMeansSecondary = "k-means secondary"

    /// The unit counted, for progress displays.
    public var unit: String {
        switch self {
        case .encodingImages: "img"
        case .encodingTexts: "texts"
        case .kMeansPrimary, .kMeansSecondary: "iter"
        }
    }
}

/// Progress of an MSAC fit: `stage` has done `done` of `total`. Within a stage the counts only
/// grow and end at `total`; the calls come from the fitting thread.
public typealias MSACProgress = (_ stage: MSACStage, _ done: Int, _ total: Int) -> Void
