import Foundation
import NumCore
import Datasets
import Runs

extension TrainingRun {
    /// What the cold-item keys of `metrics.json` mean (its `info.cold_metrics`).
    static let coldMetricsInfo = "cold_<metric>@K: test pairs of items without training interactions, each user ranking the whole "
        + "catalogue (items with and without training interactions, known items masked); coldonly_<metric>@K: the same pairs, "
        + "ranked among the items without training interactions only; valid_cold_* / valid_coldonly_*: the same on the cold "
        + "validation items (--cold-items with --validation)"

    /// The `info` entries of `metrics.json` about the side features: their sources, the items
    /// without training interactions in the catalogue, and what the cold-item keys mean.
    static func featureInfo(_ config: RunConfig, _ side: SideFeatures) -> [String: String] {
        var info: [String: String] = [:]
        if let path = config.features.item?.path {
            info["item_features"] = path
            info["items_without_training_in_catalogue"] = String(side.extraItemIDs.count)
            info["cold_metrics"] = coldMetricsInfo
        }
        if let path = config.features.user?.path { info["user_features"] = path }
        return info
    }

    /// Reads the run's side features (before anything is written) and records in `config`
    /// their sources' checksums and widths (`model.<tower>.featureDim`). A resumed run must
    /// find its sources unchanged.
    /// - Throws: the sources' errors; ``NumCore/TensorIOError`` naming a source whose checksum
    ///   changed since the run started, or a feature width set without a source.
    static func prepareSideFeatures(_ config: inout RunConfig, dataset: Dataset, resuming: Bool,
                                    note: (String) -> Void) throws -> SideFeatures {
        let f = config.features
        for (tower, source, width) in [("item", f.item, config.model.item.featureDim), ("user", f.user, config.model.user.featureDim)]
        where source == nil && width > 0 {
            throw TensorIOError(file: RunFiles.config, problem: "model.\(tower).featureDim is \(width) but no \(tower) feature source "
                                + "(features.\(tower), --\(tower)-features) is given")
        }
        if !config.model.item.idEmbedding && f.item == nil {
            throw TensorIOError(file: RunFiles.config, problem: "an item tower without ID embeddings (--no-item-id) needs item features (--item-features)")
        }
        guard f.item != nil || f.user != nil else { return SideFeatures() }
        let side = try SideFeatures(settings: f, dataset: dataset)
        func record(_ source: inout SideFeatureSettings.Source?, _ table: SideFeatures.Table?, _ width: inout Int, tower: String) throws {
            guard var s = source, let table else { return }
            if resuming {
                guard s.checksum == nil || s.checksum == table.checksum else {
                    throw TensorIOError(file: s.path, problem: "changed since the run started (checksum \(table.checksum) now, \(s.checksum!) in "
                                        + "\(RunFiles.config)); restore it, or start a new run")
                }
                guard width == table.matrix.cols else {
                    throw TensorIOError(file: s.path, problem: "has \(table.matrix.cols) features per \(tower), the run was trained with \(width)")
                }
            } else if let old = s.checksum, old != table.checksum {
                note("\(s.path) differs from the one the settings name (checksum \(table.checksum), was \(old)): this run records the new one")
            }
            s.checksum = table.checksum
            width = table.matrix.cols
            source = s
            for line in table.notes { note("\(tower) features: \(line)") }
        }
        try record(&config.features.item, side.items, &config.model.item.featureDim, tower: "item")
        try record(&config.features.user, side.users, &config.model.user.featureDim, tower: "user")
        if let cold = dataset.coldTest, side.items != nil {
            note("cold-item evaluation: \(cold.count) test interactions of \(dataset.itemsWithoutTraining.count) items without training "
                 + "interactions; \(side.extraItemIDs.count) items without training interactions have item features")
        }
        return side
    }
}
