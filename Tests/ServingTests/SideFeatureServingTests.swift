import TestSupport
import Foundation
import Testing
import Runs
import NumCore
import Datasets
import Models
import Evaluation
import Serving
import Training

/// A run with item features read back for serving: the same item vectors as the run exported,
/// the items without training interactions among them (served, scored from their features),
/// and the same test metrics as the run reported.
@Suite struct SideFeatureServingTests {
    @Test func servingRebuildsTheRunsItemVectorsColdItemsIncluded() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        // Features: a genre one-hot; the test-only items `t*` are genre 0.
        let ids = fixture.trainedItems + fixture.testOnlyItems
        let m = Matrix(rows: ids.count, cols: 4)
        for (r, id) in ids.enumerated() { m[r, id.hasPrefix("t") ? 0 : Int(id.dropFirst())! % 4] = 1 }
        let features = tmp.file("f.npy")
        try NPY.write(m, to: features)
        try ids.joined(separator: "\n").write(to: tmp.file("ids.txt"), atomically: true, encoding: .utf8)
        var data = RunConfig.DataSource(path: fixture.directory.path)
        data.format = .recbole
        data.split = .ratioByTime(0.8)
        var t = TrainConfig()
        t.epochs = 2; t.batchSize = 32; t.sharedNegatives = 16; t.evalEvery = 1; t.seed = 2; t.validationFraction = 0
        t.loss = LossConfig(kind: .softmax)
        var model = ModelConfig()
        model.dim = 8
        var config = RunConfig(data: data, model: model, training: t, optimizer: AdamOptimizer.Config())
        config.features.item = SideFeatureSettings.Source(path: features.path)
        let dir = tmp.file("run")
        let log = try TrainingRun(directory: dir, config: config).run(resume: false)

        let run = try ServingRun(directory: dir)
        let exported = try NPY.readMatrix(from: dir.appendingPathComponent("embeddings/item_embeddings.npy"))
        #expect(bits(run.items) == bits(exported))
        #expect(run.itemIDs.count == run.dataset.numItems + fixture.testOnlyItems.count)
        for id in fixture.testOnlyItems { #expect((run.itemIDs.index(of: id) ?? 0) >= run.dataset.numItems) }
        // A cold item is found by id and retrieved: its nearest items are genre 0's.
        let retriever = Retriever(run: run, ivf: nil)
        let near = try retriever.similar(to: fixture.testOnlyItems[0], k: 5)
        #expect(near.count == 5)
        // The warm test metrics rank the dataset's items only, as the run did.
        let f = try #require(log.final)
        let m2 = FullCorpusEvaluator(cutoffs: t.cutoffs).evaluate(userVectors: run.users, itemVectors: run.datasetItemVectors,
                                                                   train: run.known, test: run.dataset.test)
        #expect(m2.values["recall@20"] == f["recall@20"])
        #expect(f["cold_recall@20"] != nil && f["cold_items"] == Double(fixture.testOnlyItems.count))
    }
}
