import Foundation
import Runs
import NumCore
import Datasets
import Models
import Sampling
@testable import Training

/// A tiny synthetic data set (60 users, 50 items, 5 clusters, 8 interactions each).
func tinyDataset(seed: UInt64 = 3) -> Dataset {
    SyntheticData.make(users: 60, items: 50, clusters: 5, interactionsPerUser: 8, seed: seed)
}

/// Writes `dataset` as a LightGCN directory (`train.txt`, `test.txt`) under `dir`.
func writeLightGCN(_ dataset: Dataset, to dir: URL) throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for (name, part) in [("train.txt", dataset.train), ("test.txt", dataset.test)] {
        var text = ""
        for u in 0..<part.numUsers where part.degree(of: u) > 0 {
            text += ([String(u)] + part.items(of: u).map { String($0) }).joined(separator: " ") + "\n"
        }
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}

// The settings of the tiny runs of TrainerTests, RunConfigTests and TrainingRunTests.

/// Towers of width 8.
func modelConfig() -> ModelConfig {
    var m = ModelConfig()
    m.dim = 8
    return m
}

/// `epochs` epochs of batches of 32 with 16 shared negatives, softmax at temperature 0.2, no
/// validation split, evaluation every epoch.
func trainConfig(seed: UInt64 = 5, epochs: Int = 3) -> TrainConfig {
    var t = TrainConfig()
    t.epochs = epochs
    t.batchSize = 32
    t.sharedNegatives = 16
    t.loss = LossConfig(kind: .softmax)
    t.loss.temperature = 0.2
    t.validationFraction = 0
    t.evalEvery = 1
    t.seed = seed
    return t
}

/// Adam at learning rate 0.02.
func adamConfig() -> AdamOptimizer.Config {
    var c = AdamOptimizer.Config()
    c.learningRate = 0.02
    return c
}

/// A trainer of those settings on `d`.
func makeTrainer(_ d: Dataset, seed: UInt64 = 5, modelSeed: UInt64 = 5) -> Trainer {
    let tc = trainConfig(seed: seed)
    let model = TwoTowerModel(config: modelConfig(), numUsers: d.numUsers, numItems: d.numItems, seed: modelSeed)
    var notes: [String] = []
    let sampler = try! SamplerFactory.make(tc, context: SamplingContext(train: d.train), dataset: d, notes: &notes)
    return Trainer(dataset: d, model: model, optimizer: AdamOptimizer(config: adamConfig()), sampler: sampler, config: tc)
}
