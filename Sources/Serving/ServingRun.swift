import Foundation
import Runs
import NumCore
import Datasets
import Models

/// A finished training run read back from its directory: configuration, data, model, and the
/// L2-normalised vectors of every user and item (what `evaluate`, `export`, `index` and
/// `serve` need).
public final class ServingRun: @unchecked Sendable {
    /// The run directory.
    public let directory: URL
    /// Every setting of the run.
    public let config: RunConfig
    /// The data the run was trained on (id maps and splits).
    public let dataset: Dataset
    /// The trained model.
    public let model: TwoTowerModel
    /// User vectors (`numUsers x d`), from the user tower over each user's training items.
    public let users: Matrix
    /// Item vectors, one per row of ``itemIDs`` (`catalogue x d`).
    public let items: Matrix
    /// The items the run scores: the dataset's items (rows `0..<dataset.numItems`), then the
    /// items with side features but no training interaction, whose vectors come from their
    /// features alone (none for a run on IDs alone).
    public let itemIDs: IDMap
    /// The fingerprint of ``dataset`` (``Datasets/Dataset/fingerprint``), which the run's model
    /// files and its IVF indexes record.
    public let dataFingerprint: String
    /// Notes on what was read (e.g. a model file from an older esans, read unchecked).
    public let notes: [String]
    /// The interactions known in training (the training split and any validation split): the
    /// items a user has seen, masked from recommendations and from test evaluation.
    public let known: Interactions

    /// Loads the run in `directory`.
    /// - Throws: ``ServingError`` (`badInput`) when a file is missing, damaged, or was built
    ///   from other data or other settings than `config.json` describes, or the data loader's error.
    public init(directory: URL) throws {
        self.directory = directory
        config = try Self.loadConfig(directory)
        dataset = try config.loadDataset()
        // The model the run reports: the one chosen on validation (or its refit) when there is one.
        let url = URL(fileURLWithPath: RunFiles.reportedModel(in: directory.path) { FileManager.default.fileExists(atPath: $0) })
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ServingError(.badInput, "\(url.path): not found; has the run finished an epoch?")
        }
        let header: Checkpoint.Header
        do {
            (model, header) = try Checkpoint.load(from: url)
            dataFingerprint = dataset.fingerprint
            let provenance = RunProvenance(config: config, dataFingerprint: dataFingerprint)
            var notes: [String] = []
            if !header.checksummed { notes.append("\(url.path): no checksum (written by an older esans): not verified") }
            if let note = try provenance.check(header.metadata, file: url, inputs: false) { notes.append(note) }
            self.notes = notes
        } catch let e as TensorIOError {
            throw ServingError(.badInput, e.description)
        }
        guard let extra = SideFeatureSettings.decodeExtraItems(header.metadata) else {
            throw ServingError(.badInput, "\(url.path): metadata '\(SideFeatureSettings.extraItemsKey)' is not a list of item ids (the file is damaged)")
        }
        guard model.numUsers == dataset.numUsers, model.numItems == dataset.numItems + extra.count else {
            throw ServingError(.badInput, "\(url.lastPathComponent) was trained on \(model.numUsers) users x \(model.numItems) items; the data has \(dataset.numUsers) x \(dataset.numItems)"
                               + (extra.isEmpty ? "" : " (+ \(extra.count) items with features only)"))
        }
        var catalogue = dataset.items
        for id in extra { _ = catalogue.intern(id) }
        itemIDs = catalogue
        // Everything known in training (validation included) is the users' history and the mask.
        let seen = dataset.knownInteractions
        known = seen
        items = TwoTowerModel.encodeAll(model.itemTower, count: model.numItems)
        users = TwoTowerModel.encodeAll(model.userTower, count: dataset.numUsers) { seen.items(of: $0) }
    }

    /// Vector dimension.
    public var dimension: Int { items.cols }

    /// The vectors of the dataset's items (the first rows of ``items``), which the test
    /// split's metrics rank.
    public var datasetItemVectors: Matrix {
        items.rows == dataset.numItems ? items : Matrix(rowsOf: items, first: 0, count: dataset.numItems)
    }

    /// Reads `RUNDIR/config.json`.
    public static func loadConfig(_ dir: URL) throws -> RunConfig {
        let url = dir.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ServingError(.badInput, "\(url.path): not found; is \(dir.path) a run directory written by `esans train`?")
        }
        do { return try RunConfig.read(from: url) } catch let e as ConfigFileError {
            throw ServingError(.badInput, e.description)
        } catch {
            throw ServingError(.badInput, "\(url.path): not a valid run configuration (\(error))")
        }
    }
}
