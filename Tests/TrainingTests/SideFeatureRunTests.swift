import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
import Semantic
import Alignment
@testable import Training

/// Runs with item features (`--item-features`): the source recorded in `config.json`, the cold
/// items (no training interaction) scored from their features and evaluated, a resumed run
/// equal to an uninterrupted one, and the errors that name the file.
@Suite struct SideFeatureRunTests {
    /// The fixture's items with a genre one-hot (4) plus the era (3) as features, for every item
    /// of the `.item` file but the bare one, written as `features.npy` with `features.npy.ids`.
    static func writeFeatures(_ fixture: RecBoleFixture, to url: URL, scale: Float = 1) throws {
        let ids = fixture.trainedItems + fixture.testOnlyItems + fixture.catalogueOnlyItems
        let m = Matrix(rows: ids.count, cols: 7)
        for (r, id) in ids.enumerated() {
            let n = Int(id.dropFirst())!
            let genre = id.hasPrefix("i") ? n % 4 : id.hasPrefix("t") ? 0 : n % 4
            m[r, genre] = scale
            m[r, 4 + n % 3] = 0.5 * scale
        }
        try NPY.write(m, to: url)
        try (ids.joined(separator: "\n") + "\n").write(to: url.appendingPathExtension("ids"), atomically: true, encoding: .utf8)
    }

    /// A small run on the fixture: time split, a quarter of the items held out, validation
    /// (with cold validation items), refit, item features.
    static func setUp(_ tmp: TempDir, idDropout: Float = 0) throws -> (RunConfig, RecBoleFixture) {
        let fixture = try RecBoleFixture(parent: tmp.url)
        try writeFeatures(fixture, to: tmp.file("features.npy"))
        var data = RunConfig.DataSource(path: fixture.directory.path)
        data.format = .recbole
        data.split = .ratioByTime(0.8)
        data.coldItems = 0.25
        var c = RunIntegrityTests.config(data: fixture.directory, seed: 3, epochs: 3, validation: 0.2)
        c.data = data
        c.training.cutoffs = [5, 20]
        c.features.item = SideFeatureSettings.Source(path: tmp.file("features.npy").path)
        c.features.itemIDDropout = idDropout
        return (c, fixture)
    }

    @Test func aRunRecordsItsFeaturesAndEvaluatesColdItems() throws {
        let tmp = TempDir()
        let (config, fixture) = try Self.setUp(tmp, idDropout: 0.3)
        let dir = tmp.file("run")
        let notes = try RunIntegrityTests.train(config, in: dir)
        let saved = try RunConfig.read(from: dir.appendingPathComponent(RunFiles.config))
        let source = try #require(saved.features.item)
        #expect(source.checksum.map(Checksum64.isHex) == true && saved.model.item.featureDim == 7)
        #expect(saved.features.itemIDDropout == 0.3)
        #expect(notes.contains { $0.contains("item features:") && $0.contains("features.npy.ids") }, "\(notes)")

        let ds = try config.loadDataset()
        let cold = Set(ds.itemsWithoutTraining)
        // The catalogue: dataset items, then every featured item without training interactions.
        let ids = try String(contentsOf: dir.appendingPathComponent("embeddings/item_ids.tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.split(separator: "\t")[1]) }
        let extra = Array(ids.dropFirst(ds.numItems))
        #expect(Set(extra) == cold.union(fixture.catalogueOnlyItems), "extra rows: the items without training interactions, the .item-only ones included")
        let vectors = try NPY.readMatrix(from: dir.appendingPathComponent("embeddings/item_embeddings.npy"))
        #expect(vectors.rows == ids.count)
        // The final model leaves out the ID rows of the extra items: zeroed in the file.
        let final = try SafeTensorsFile.read(from: dir.appendingPathComponent(RunFiles.finalModel))
        let table = try final.matrix("item.embedding")
        let omitted = try final.int32s("item.id_omitted")
        #expect(omitted.count == ids.count && (0..<ids.count).allSatisfy { (omitted[$0] != 0) == ($0 >= ds.numItems) })
        for r in ds.numItems..<ids.count { #expect(table.rowArray(r).allSatisfy { $0 == 0 }) }
        #expect(SideFeatureSettings.decodeExtraItems(final.metadata) == extra)

        let log = try MetricsLog.read(from: dir.appendingPathComponent(RunFiles.metrics))
        let f = try #require(log.final)
        for key in ["cold_recall@20", "coldonly_recall@20", "cold_ndcg@5", "valid_cold_recall@20", "valid_coldonly_ndcg@20", "recall@20"] {
            #expect(f[key] != nil, "final metrics hold \(key)")
        }
        #expect(f["cold_items"] == Double(extra.count) && (f["cold_interactions"] ?? 0) > 0)
        #expect(log.epochs.allSatisfy { $0["valid_cold_recall@20"] != nil })
        #expect(log.info["cold_metrics"]?.contains("whole catalogue") == true)
        // Among 20 cold items, a recall@20 is 1 for everyone: the check that cold-only ranks the cold items alone.
        #expect(f["coldonly_recall@20"] == 1)
    }

    /// A run stopped after any of a sample of its writes resumes (its source read again) to the
    /// uninterrupted result; a source changed since the run started is refused on resume.
    @Test func resumesToTheUninterruptedResultAndRefusesAChangedSource() throws {
        let tmp = TempDir()
        let (config, fixture) = try Self.setUp(tmp, idDropout: 0.3)
        let counter = CommitCounter()
        try counter.run { try RunIntegrityTests.train(config, in: tmp.file("reference")) }
        let reference = try CrashConsistencyTests.Outcome(tmp.file("reference"))
        let writes = counter.committed.count
        for k in stride(from: 2, to: writes, by: max(1, writes / 6)) {
            let dir = tmp.file("stopped-\(k)")
            #expect(try !CommitCounter(crashAfter: k).run { try RunIntegrityTests.train(config, in: dir) })
            // What `esans train --resume` does: the run's own config.json (with the checksum) as the settings.
            let saved = (try? RunConfig.read(from: dir.appendingPathComponent(RunFiles.config))) ?? config
            try RunIntegrityTests.train(saved, in: dir, resume: true)
            let resumed = try CrashConsistencyTests.Outcome(dir)
            #expect(resumed == reference, "stopped after write \(k) (\(counter.committed[k - 1].lastPathComponent)): differs in \(resumed.differences(from: reference))")
        }
        let dir = tmp.file("reference")
        try Self.writeFeatures(fixture, to: tmp.file("features.npy"), scale: 2)
        let saved = try RunConfig.read(from: dir.appendingPathComponent(RunFiles.config))
        let message = RunIntegrityTests.refusal { try RunIntegrityTests.train(saved, in: dir, resume: true) }
        #expect(message.contains("features.npy") && message.contains("changed since the run started"), "\(message)")
    }

    /// Bad feature files stop the run before it writes anything, naming the file and the mismatch.
    @Test func badFeatureFilesAreRefusedNamingTheFile() throws {
        let tmp = TempDir()
        let (config, _) = try Self.setUp(tmp)
        let ds = try config.loadDataset()
        // Rows that match neither the items nor an id list.
        let bare = tmp.file("bare.npy")
        try NPY.write(Matrix(rows: ds.numItems + 1, cols: 3), to: bare)
        var c = config
        c.features.item = SideFeatureSettings.Source(path: bare.path)
        var message = RunIntegrityTests.refusal { try RunIntegrityTests.train(c, in: tmp.file("r1")) }
        #expect(message.contains(bare.path) && message.contains("\(ds.numItems + 1) rows but the data has \(ds.numItems) items"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("r1").path))
        // A NaN, with its row and id.
        let nan = Matrix(rows: ds.numItems, cols: 2)
        nan[3, 1] = .nan
        try NPY.write(nan, to: bare)
        message = RunIntegrityTests.refusal { try RunIntegrityTests.train(c, in: tmp.file("r2")) }
        #expect(message.contains(bare.path) && message.contains("row 3") && message.contains("'\(ds.items[3])'") && message.contains("NaN"), "\(message)")
        // Rows in the data's item order work, and leave no item without training interactions in the catalogue.
        try NPY.write(Matrix(rows: ds.numItems, cols: 2), to: bare)
        let side = try SideFeatures(settings: c.features, dataset: ds)
        #expect(side.extraItemIDs.isEmpty && side.items?.matrix.rows == ds.numItems)
    }

    /// User features: one row per user in the data's order (or named by an id list, the ids that
    /// are not users skipped with a note); the user tower reads them, the model file keeps them.
    @Test func userFeaturesReachTheUserTower() throws {
        let tmp = TempDir()
        var (config, _) = try Self.setUp(tmp)
        config.features.item = nil
        config.training.validationFraction = 0
        let ds = try config.loadDataset()
        var rng = RandomSource(seed: 5)
        let users = tmp.file("users.npy")
        try NPY.write(randomMatrix(ds.numUsers, 3, &rng), to: users)
        config.features.user = SideFeatureSettings.Source(path: users.path)
        let dir = tmp.file("run")
        try RunIntegrityTests.train(config, in: dir)
        #expect(try RunConfig.read(from: dir.appendingPathComponent(RunFiles.config)).model.user.featureDim == 3)
        let (model, _) = try Checkpoint.load(from: dir.appendingPathComponent(RunFiles.checkpoint))
        #expect(bits(model.userTower.features!) == bits(try NPY.readMatrix(from: users)))
        // Named rows: the last id is not a user.
        let named = tmp.file("named.npy")
        try NPY.write(randomMatrix(3, 2, &rng), to: named)
        try [ds.users[1], ds.users[0], "nobody"].joined(separator: "\n").write(to: tmp.file("named.ids"), atomically: true, encoding: .utf8)
        var settings = SideFeatureSettings()
        settings.user = SideFeatureSettings.Source(path: named.path)
        let side = try SideFeatures(settings: settings, dataset: ds)
        let table = try #require(side.users)
        #expect(table.present.filter { $0 }.count == 2 && table.present[0] && table.present[1] && side.extraItemIDs.isEmpty)
        #expect(table.notes.contains { $0.contains("not data set items, skipped") && $0.contains("'nobody'") }, "\(table.notes)")
    }

    /// An MSAC output as the source: its aligned vectors, concatenated; one whose behaviour
    /// vectors saw the held-out items' interactions is refused.
    @Test func msacOutputsGiveTheirAlignedVectors() throws {
        let tmp = TempDir()
        let (config, fixture) = try Self.setUp(tmp)
        func fit(_ data: RunConfig.DataSource, validation: Double, into name: String) throws -> URL {
            var t = TrainConfig()
            t.seed = config.training.seed
            t.validationFraction = validation
            let ds = try RunConfig(data: data, model: ModelConfig(), training: t, optimizer: AdamOptimizer.Config()).loadDataset()
            var c = MSACPipeline.Config()
            c.modalities = ["structured", "behaviour"]
            c.structuredFields = ["class"]
            c.dim = 8; c.kp = 4; c.ks = 2; c.alignEpochs = 5; c.seed = 3
            let out = tmp.file(name)
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let result = try MSACPipeline(config: c).run(dataset: ds, itemFile: fixture.itemFile, kgFile: nil, linkFile: nil)
            try MSACOutput.write(result, settings: MSACSettings(modalities: c.modalities, imports: [], images: nil, kp: 4, ks: 2, dim: 8,
                                                                alignEpochs: 5, seed: 3, structuredFields: ["class"], data: data.path),
                                 itemIDs: result.items.externalIDs, dataFingerprint: ds.fingerprint, to: out)
            return out
        }
        let good = try fit(config.data, validation: config.training.validationFraction, into: "msac")
        var c = config
        c.features.item = SideFeatureSettings.Source(path: good.path)
        let ds = try c.loadDataset()
        let side = try SideFeatures(settings: c.features, dataset: ds)
        #expect(side.items?.matrix.cols == 16)
        #expect(Set(side.extraItemIDs).isSuperset(of: ds.itemsWithoutTraining))
        // Items without training interactions have no behaviour block, unless it is imputed
        // from their other aligned vectors (here the structured one alone).
        let cold = try #require(side.items).matrix, row = ds.numItems
        #expect((0..<8).allSatisfy { cold[row, 8 + $0] == 0 } && (0..<8).contains { cold[row, $0] != 0 })
        c.features.item?.imputeMissing = true
        let imputed = try #require(try SideFeatures(settings: c.features, dataset: ds).items).matrix
        #expect((0..<8).allSatisfy { imputed[row, 8 + $0] == imputed[row, $0] && imputed[row, $0] == cold[row, $0] })
        let warm = try #require(ds.train.itemCounts().firstIndex { $0 > 0 })
        #expect(bits(Matrix(rowsOf: imputed, first: warm, count: 1)) == bits(Matrix(rowsOf: cold, first: warm, count: 1)), "an item with both keeps its own")
        // The features an item has without interactions: its behaviour block as an item without
        // training interactions has it (zero, or imputed); the same as its features for such an item.
        let coldForm = try #require(try SideFeatures(settings: c.features, dataset: ds).items?.cold)
        #expect((0..<8).allSatisfy { coldForm[warm, 8 + $0] == imputed[warm, $0] && coldForm[warm, $0] == imputed[warm, $0] })
        #expect((0..<16).allSatisfy { coldForm[row, $0] == imputed[row, $0] })
        #expect((0..<8).allSatisfy { side.items!.cold![warm, 8 + $0] == 0 })
        c.features.item?.imputeMissing = nil
        c.features.item?.modalities = ["structured"]
        let structuredOnly = try #require(try SideFeatures(settings: c.features, dataset: ds).items)
        #expect(structuredOnly.matrix.cols == 8 && structuredOnly.cold == nil, "nothing derived from interactions")
        // Fitted without the validation carving: the cold validation items have behaviour vectors.
        let leaky = try fit(config.data, validation: 0, into: "leaky")
        c.features.item = SideFeatureSettings.Source(path: leaky.path)
        var message = RunIntegrityTests.refusal { _ = try SideFeatures(settings: c.features, dataset: ds) }
        #expect(message.contains("behaviour vectors") && message.contains("--validation"), "\(message)")
        c.features.item?.modalities = ["structured"]
        _ = try SideFeatures(settings: c.features, dataset: ds)
        // Fitted without the held-out items: other data.
        var all = config.data
        all.coldItems = nil
        let other = try fit(all, validation: config.training.validationFraction, into: "other")
        c.features.item = SideFeatureSettings.Source(path: other.path)
        message = RunIntegrityTests.refusal { _ = try SideFeatures(settings: c.features, dataset: ds) }
        #expect(message.contains("fitted on other interactions"), "\(message)")
    }
}
