import TestSupport
import Foundation
import Testing
import NumCore
import Datasets
import Models
import Runs
import Evaluation
@testable import Serving
import Training

@Suite struct ServingRunTests {
    /// A run whose stopping point was chosen on validation (and refit) is read back as the
    /// model it reports: the same test metrics as its metrics.json, with the validation items
    /// masked like the training items.
    @Test(arguments: [false, true])
    func readsTheReportedModelOfASelectedRun(refit: Bool) throws {
        let tmp = TempDir()
        let data = tmp.file("data"), dir = tmp.file("run")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var rng = RandomSource(seed: 4)
        var train = "", test = ""
        for u in 0..<50 {
            let items = (0..<10).map { _ in rng.below(40) }
            train += "\(u) " + Set(items.prefix(8)).map(String.init).joined(separator: " ") + "\n"
            test += "\(u) \(40 + rng.below(10))\n"
        }
        try train.write(to: data.appendingPathComponent("train.txt"), atomically: true, encoding: .utf8)
        try test.write(to: data.appendingPathComponent("test.txt"), atomically: true, encoding: .utf8)
        var source = RunConfig.DataSource(path: data.path)
        source.format = .lightgcn
        var model = ModelConfig()
        model.dim = 8
        var t = TrainConfig()
        t.epochs = 4
        t.batchSize = 32
        t.sharedNegatives = 16
        t.validationFraction = 0.25
        t.refit = refit
        let config = RunConfig(data: source, model: model, training: t, optimizer: AdamOptimizer.Config())
        let log = try TrainingRun(directory: dir, config: config).run(resume: false)
        let final = try #require(log.final)

        let run = try ServingRun(directory: dir)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(RunFiles.finalModel).path))
        let known = run.dataset.knownInteractions
        #expect(run.known.count == known.count && known.count > run.dataset.train.count, "validation items are known too")
        let m = FullCorpusEvaluator(cutoffs: t.cutoffs).evaluate(userVectors: run.users, itemVectors: run.items, train: run.known, test: run.dataset.test)
        for k in ["recall@20", "ndcg@20", "recall@50"] {
            #expect(abs((m.values[k] ?? -1) - (final[k] ?? -2)) < 1e-12, "\(k): \(m.values[k] ?? -1) vs \(final[k] ?? -2)")
        }
        // The exported vectors are the reported model's.
        let items = try NPY.readMatrix(from: dir.appendingPathComponent("embeddings/item_embeddings.npy"))
        #expect(bits(items) == bits(run.items))
    }
}
