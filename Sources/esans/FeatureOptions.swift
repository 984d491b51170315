import ArgumentParser
import Foundation
import Runs

/// `esans train`'s side features: a dense feature table per item (and per user) projected into
/// each tower, and what the item tower does for items without training interactions. Every
/// option is optional: one not given keeps the base configuration's value (the defaults, the
/// `--config` file, or with `--resume` the run's own).
struct FeatureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Item features: a .npy file (float32/float64, one row per item in the data's item-id order, or rows named by FILE.ids / ids.txt beside it: one id per line) or an `esans cluster` output folder (its aligned per-item modality vectors, concatenated). Items with features but no training interaction get vectors from their features alone and are served and evaluated as cold items.", valueName: "file|dir"))
    var itemFeatures: String?
    @Option(help: ArgumentHelp("User features: a .npy file (one row per user in the data's user-id order, or rows named by an id list beside it).", valueName: "file"))
    var userFeatures: String?
    @Option(help: ArgumentHelp("With an `esans cluster` folder as --item-features: the modalities whose aligned vectors to use, comma-separated (default: all of the folder's).", valueName: "list"))
    var featureModalities: String?
    @Flag(help: "With an `esans cluster` folder as --item-features: fill a modality an item lacks (behaviour, for items without training interactions) with the mean of its other aligned vectors instead of zeros.")
    var imputeMissingModalities = false
    @Option(help: ArgumentHelp("Item tower, training only: the probability of leaving out an item's ID embedding in a forward pass (items with features), so that the features learn to carry an item alone (default: 0).", valueName: "p"))
    var itemIdDropout: Float?
    @Flag(help: "Item tower without ID embeddings: item vectors from --item-features alone.") var noItemId = false

    /// Checks the values given while parsing.
    func validate() throws {
        if let p = itemIdDropout, !(0..<1).contains(p) { throw ValidationError("--item-id-dropout (features.itemIDDropout) must lie in [0, 1), got \(p)") }
    }

    /// Writes the options given into `c`. A source whose path is the one `c` already names
    /// keeps its recorded checksum (so `--resume` with the same options matches the run).
    func apply(to c: inout RunConfig) throws {
        func source(_ path: String, over old: SideFeatureSettings.Source?) -> SideFeatureSettings.Source {
            let same = old.map { URL(fileURLWithPath: $0.path).standardizedFileURL == URL(fileURLWithPath: path).standardizedFileURL } ?? false
            return same ? old! : SideFeatureSettings.Source(path: path)
        }
        if let itemFeatures { c.features.item = source(itemFeatures, over: c.features.item) }
        if let userFeatures { c.features.user = source(userFeatures, over: c.features.user) }
        if let featureModalities {
            let names = featureModalities.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw ValidationError("--feature-modalities: no modality named") }
            guard c.features.item != nil else {
                throw ValidationError("--feature-modalities chooses among the vectors of --item-features DIR (an `esans cluster` output); give both")
            }
            c.features.item?.modalities = names
        }
        if imputeMissingModalities {
            guard c.features.item != nil else { throw ValidationError("--impute-missing-modalities needs --item-features DIR (an `esans cluster` output)") }
            c.features.item?.imputeMissing = true
        }
        if let itemIdDropout { c.features.itemIDDropout = itemIdDropout }
        if noItemId { c.model.item.idEmbedding = false }
        if !c.model.item.idEmbedding && c.features.item == nil {
            throw ValidationError("--no-item-id (model.item.idEmbedding false) needs --item-features (features.item): the item tower needs an input")
        }
        if c.features.itemIDDropout > 0 && c.features.item == nil {
            throw ValidationError("--item-id-dropout (features.itemIDDropout) needs --item-features (features.item)")
        }
    }
}
