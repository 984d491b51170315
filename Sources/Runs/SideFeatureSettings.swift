import Foundation

/// Side features of the towers, as `config.json` records them (`features`): where each
/// tower's dense feature table comes from, the checksum of that source when the run started,
/// and how the item tower learns to do without its ID embedding.
///
/// The tables themselves are stored in every model file of the run (``Models/Checkpoint``:
/// `item.features`, `user.features`), so `evaluate`, `export`, `recommend` and `serve` rebuild
/// the same vectors without the source; `--resume` reads the source again and refuses it if its
/// checksum changed.
public struct SideFeatureSettings: Codable, Sendable, Equatable {
    /// One feature source.
    public struct Source: Codable, Sendable, Equatable {
        /// A `.npy` file (float32 or float64, one row per item or user, in the data's id order
        /// or with an id list `FILE.ids` / `ids.txt` beside it), or an `esans cluster` output
        /// directory (item features: its aligned per-item modality vectors).
        public var path: String
        /// MSAC directory only: the modalities whose aligned vectors are concatenated (nil:
        /// every modality of the output).
        public var modalities: [String]?
        /// MSAC directory only: fill the block of a modality an item lacks (every item without
        /// training interactions lacks behaviour) with the mean of its other aligned vectors,
        /// instead of zeros (nil: zeros).
        public var imputeMissing: Bool?
        /// XXH64 of the source's files, 16 hex digits, set when the run starts (nil until then).
        public var checksum: String?

        /// A source at `path`.
        public init(path: String, modalities: [String]? = nil, imputeMissing: Bool? = nil, checksum: String? = nil) {
            self.path = path
            self.modalities = modalities
            self.imputeMissing = imputeMissing
            self.checksum = checksum
        }
    }

    /// Item tower features (nil: none).
    public var item: Source?
    /// User tower features (nil: none).
    public var user: Source?
    /// Item tower, training only: the probability that a training forward pass leaves out an
    /// item's ID embedding (items with features only), so that the feature path learns to carry
    /// the item alone, as it must for items without training interactions (0 = never).
    public var itemIDDropout: Float = 0

    /// No side features.
    public init() {}

    private enum CodingKeys: String, CodingKey { case item, user, itemIDDropout }

    /// Decodes the settings; keys left out take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        item = try c.decodeIfPresent(Source.self, forKey: .item)
        user = try c.decodeIfPresent(Source.self, forKey: .user)
        itemIDDropout = try c.decodeIfPresent(Float.self, forKey: .itemIDDropout) ?? 0
    }

    /// Metadata key of the model files: the external ids of the item rows after the dataset's
    /// items (items with features but no training interaction), as a JSON array.
    public static let extraItemsKey = "esans.items_without_training"

    /// The JSON text of ``extraItemsKey`` for `ids`.
    public static func encodeExtraItems(_ ids: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(ids)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// The ids recorded under ``extraItemsKey`` in `metadata` (none when absent).
    /// - Returns: nil when the entry is there but is not a JSON array of strings.
    public static func decodeExtraItems(_ metadata: [String: String]) -> [String]? {
        guard let text = metadata[extraItemsKey] else { return [] }
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
