import Foundation
import NumCore
import Datasets
import Models
import Training

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
    /// Item vectors (`numItems x d`).
    public let items: Matrix

    /// Loads the run in `directory`.
    /// - Throws: ``ServingError`` (`badInput`) when a file is missing or does not fit, or the
    ///   data loader's error.
    public init(directory: URL) throws {
        self.directory = directory
        config = try Self.loadConfig(directory)
        dataset = try config.loadDataset()
        let url = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ServingError(.badInput, "\(url.path): not found; has the run finished an epoch?")
        }
        (model, _) = try Checkpoint.load(from: url)
        guard model.numUsers == dataset.numUsers, model.numItems == dataset.numItems else {
            throw ServingError(.badInput, "model.safetensors was trained on \(model.numUsers) users x \(model.numItems) items; the data has \(dataset.numUsers) x \(dataset.numItems)")
        }
        let ds = dataset
        items = TwoTowerModel.encodeAll(model.itemTower, count: ds.numItems)
        users = TwoTowerModel.encodeAll(model.userTower, count: ds.numUsers) { ds.train.items(of: $0) }
    }

    /// Vector dimension.
    public var dimension: Int { items.cols }

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
