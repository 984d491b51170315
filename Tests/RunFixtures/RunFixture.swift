import Foundation
import Runs
import NumCore
import Datasets
import Models

// A run directory on disk for the serving tests (ServingTests and ServingHTTPTests).

/// Writes a tiny run directory (LightGCN data, config.json, an untrained model.safetensors):
/// `users` users with five training items and one test item each over `items` items.
/// Serving does not care whether the model was trained, only that the files fit.
/// With `itemNames`, the data is a RecBole `.inter` file instead, over items with those ids
/// (any strings): user `u<n>` has five items, the first four in training.
public func makeRun(in dir: URL, users: Int = 40, items: Int = 60, dim: Int = 8, history: Bool = false,
                    idEmbedding: Bool = true, seed: UInt64 = 3, itemNames: [String]? = nil) throws -> URL {
    let data = dir.appendingPathComponent("data"), run = dir.appendingPathComponent("run")
    let fm = FileManager.default
    try fm.createDirectory(at: data, withIntermediateDirectories: true)
    try fm.createDirectory(at: run, withIntermediateDirectories: true)
    var source = RunConfig.DataSource(path: data.path)
    if let itemNames {
        var inter = "user_id:token\titem_id:token\ttimestamp:float\n"
        for u in 0..<users {
            for j in 0..<5 { inter += "u\(u)\t\(itemNames[(u + j) % itemNames.count])\t\(j + 1)\n" }
        }
        try inter.write(to: data.appendingPathComponent("data.inter"), atomically: true, encoding: .utf8)
        source.format = .recbole
    } else {
        var train = "", test = ""
        for u in 0..<users {
            train += "\(u) " + (0..<5).map { String((u * 3 + $0) % items) }.joined(separator: " ") + "\n"
            test += "\(u) \((u * 3 + 7) % items)\n"
        }
        try train.write(to: data.appendingPathComponent("train.txt"), atomically: true, encoding: .utf8)
        try test.write(to: data.appendingPathComponent("test.txt"), atomically: true, encoding: .utf8)
        source.format = .lightgcn
    }
    var model = ModelConfig()
    model.dim = dim
    model.user = TowerConfig(idEmbedding: idEmbedding, history: history)
    var training = TrainConfig()
    training.seed = seed
    training.validationFraction = 0
    let config = RunConfig(data: source, model: model, training: training, optimizer: AdamOptimizer.Config())
    try JSONEncoder().encode(config).write(to: run.appendingPathComponent("config.json"))
    let ds = try config.loadDataset()
    let m = TwoTowerModel(config: model, numUsers: ds.numUsers, numItems: ds.numItems, seed: seed)
    try Checkpoint.save(model: m, optimizer: nil, metadata: [:], to: run.appendingPathComponent("model.safetensors"))
    return run
}
