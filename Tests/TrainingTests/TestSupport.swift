import Foundation
import NumCore
import Datasets
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
