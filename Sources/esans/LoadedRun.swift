import ArgumentParser
import Foundation
import NumCore
import Datasets
import Models
import Training

/// A finished run read back from its directory: configuration, data, model, and the vectors
/// of every user and item (shared by `evaluate` and `export`).
struct LoadedRun {
    let config: RunConfig
    let dataset: Dataset
    let model: TwoTowerModel
    let users: Matrix
    let items: Matrix

    init(directory dir: URL) throws {
        config = try loadRunConfig(dir)
        dataset = try config.loadDataset()
        (model, _) = try Checkpoint.load(from: dir.appendingPathComponent("model.safetensors"))
        guard model.numUsers == dataset.numUsers, model.numItems == dataset.numItems else {
            throw ValidationError("model.safetensors was trained on \(model.numUsers) users x \(model.numItems) items; the data has \(dataset.numUsers) x \(dataset.numItems)")
        }
        let ds = dataset
        items = TwoTowerModel.encodeAll(model.itemTower, count: ds.numItems)
        users = TwoTowerModel.encodeAll(model.userTower, count: ds.numUsers) { ds.train.items(of: $0) }
    }
}
