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
import Codebooks

/// `--refresh-clusters`: the ESANS clusters refitted on the item tower's vectors every N epochs.
struct ClusterRefreshTests {
    /// A LightGCN copy of a small synthetic dataset and a behaviour-only MSAC fit of it
    /// (Kp 6, Ks 3, 8-d), in `tmp`; returns the run configuration (ESANS, refresh every 2 of 5
    /// epochs, no validation).
    static func setUp(_ tmp: TempDir, seed: UInt64 = 4) throws -> RunConfig {
        let data = tmp.url.appendingPathComponent("data")
        try writeLightGCN(SyntheticData.make(users: 120, items: 90, clusters: 6, interactionsPerUser: 10, seed: seed), to: data)
        let ds = try DatasetLoader.load(path: data.path, options: RunConfig.DataSource(path: data.path).loadOptions(seed: seed))
        var c = MSACPipeline.Config()
        c.dim = 8; c.kp = 6; c.ks = 3; c.seed = seed
        let msac = tmp.url.appendingPathComponent("msac")
        try FileManager.default.createDirectory(at: msac, withIntermediateDirectories: true)
        let result = try MSACPipeline(config: c).run(dataset: ds, itemFile: nil, kgFile: nil, linkFile: nil)
        try MSACOutput.write(result, settings: MSACSettings(modalities: c.modalities, imports: [], images: nil, kp: 6, ks: 3, dim: 8, alignEpochs: c.alignEpochs,
                                                            seed: seed, structuredFields: [], data: data.path),
                             itemIDs: ds.items.externalIDs, dataFingerprint: ds.fingerprint, to: msac)
        var t = TrainConfig()
        t.epochs = 5; t.batchSize = 32; t.sharedNegatives = 16; t.evalEvery = 5; t.validationFraction = 0; t.seed = seed
        t.loss = LossConfig(kind: .softmax)
        t.sampler = .esans
        t.semanticIDs = msac.appendingPathComponent("semantic_ids.tsv").path
        t.refreshClusters = 2
        var m = ModelConfig()
        m.dim = 8
        var o = AdamOptimizer.Config()
        o.learningRate = 0.05
        return RunConfig(data: .init(path: data.path), model: m, training: t, optimizer: o)
    }

    /// The clusters saved in a checkpoint's extras.
    static func clusters(_ url: URL) throws -> (primary: [Float], secondary: [Float]) {
        let extras = try Checkpoint.extras(of: SafeTensorsFile.read(from: url))
        return (try #require(extras["clusters.primary"]), try #require(extras["clusters.secondary"]))
    }

    /// Refreshing is on by default for ESANS, and only there: other samplers and random
    /// clusters ignore the period.
    @Test func onlyESANSOnItsOwnClustersRefreshes() {
        var t = TrainConfig()
        #expect(t.refreshClusters == 5)
        #expect(!t.refreshesClusters, "uns")
        t.sampler = .esans
        #expect(t.refreshesClusters)
        t.randomClusters = true
        #expect(!t.refreshesClusters, "random clusters")
        t.randomClusters = false
        t.refreshClusters = 0
        #expect(!t.refreshesClusters, "period 0")
        for s in SamplerKind.allCases where s != .esans {
            t.sampler = s
            t.refreshClusters = 5
            #expect(!t.refreshesClusters, "\(s)")
        }
    }

    @Test func refreshesAtTheRightEpochsAndCountsChangedCells() throws {
        let tmp = TempDir()
        let config = try Self.setUp(tmp)
        let dir = tmp.url.appendingPathComponent("run")
        let initial = try SemanticIDs.readTSV(from: URL(fileURLWithPath: config.training.semanticIDs!), kp: 6, ks: 3).ids
        var refreshed: [Int] = []
        var afterEpoch2: (primary: [Float], secondary: [Float])? = nil
        var problem: Error? = nil
        let log = try TrainingRun(directory: dir, config: config) { event in
            switch event {
            case .clustersRefreshed(let r): refreshed.append(r.epoch)
            case .epochDone(let stats, _, _) where stats.epoch == 2:
                do { afterEpoch2 = try Self.clusters(dir.appendingPathComponent(RunFiles.checkpoint)) } catch { problem = error }
            default: break
            }
        }.run(resume: false)
        #expect(problem == nil)
        // Every 2 epochs, never after the last (5).
        #expect(refreshed == [2, 4])
        #expect(log.epochs.map { $0["cluster_refresh_seconds"] != nil } == [false, true, false, true, false])
        // The count in metrics.json is the number of items whose (primary, secondary) differs
        // from the codes before the refresh (here: the MSAC fit's).
        let after = try #require(afterEpoch2)
        let changed = (0..<initial.count).filter { Int32(after.primary[$0]) != initial.primary[$0] || Int32(after.secondary[$0]) != initial.secondary[$0] }.count
        #expect(log.epochs[1]["cluster_items_changed_cell"] == Double(changed))
        #expect(changed > 0, "the tower's vectors are a different space from the PPMI features: some items move")
        let primaryChanged = (0..<initial.count).filter { Int32(after.primary[$0]) != initial.primary[$0] }.count
        #expect(log.epochs[1]["cluster_items_changed_primary"] == Double(primaryChanged))
    }

    @Test func sameSeedSameClustersAndResumeReproducesThem() throws {
        let tmp = TempDir()
        let config = try Self.setUp(tmp)
        let dirA = tmp.url.appendingPathComponent("a"), dirB = tmp.url.appendingPathComponent("b"), dirC = tmp.url.appendingPathComponent("c")
        let fm = FileManager.default
        var copyError: Error? = nil
        let logA = try TrainingRun(directory: dirA, config: config) { event in
            // Run C starts from run A's files after epoch 3 (after the first refresh, before the second).
            if case .epochDone(let stats, _, _) = event, stats.epoch == 3 {
                do {
                    try fm.createDirectory(at: dirC, withIntermediateDirectories: true)
                    for name in [RunFiles.config, RunFiles.metrics, RunFiles.checkpoint] {
                        try fm.copyItem(at: dirA.appendingPathComponent(name), to: dirC.appendingPathComponent(name))
                    }
                } catch { copyError = error }
            }
        }.run(resume: false)
        #expect(copyError == nil)
        let logB = try TrainingRun(directory: dirB, config: config).run(resume: false)
        let logC = try TrainingRun(directory: dirC, config: config).run(resume: true)
        let a = try Self.clusters(dirA.appendingPathComponent(RunFiles.checkpoint))
        for (label, dir, log) in [("same seed", dirB, logB), ("resumed", dirC, logC)] {
            let other = try Self.clusters(dir.appendingPathComponent(RunFiles.checkpoint))
            #expect(other.primary == a.primary && other.secondary == a.secondary, "\(label): final clusters differ")
            for e in [1, 3] {
                for key in ["cluster_items_changed_cell", "cluster_items_changed_primary", "cluster_primary_objective", "loss"] {
                    #expect(log.epochs[e][key] == logA.epochs[e][key], "\(label): epoch \(e + 1) \(key)")
                }
            }
        }
        // Another seed trains other vectors, hence other clusters.
        var other = config
        other.training.seed = 9
        _ = try TrainingRun(directory: tmp.url.appendingPathComponent("d"), config: other).run(resume: false)
        let d = try Self.clusters(tmp.url.appendingPathComponent("d").appendingPathComponent(RunFiles.checkpoint))
        #expect(d.primary != a.primary || d.secondary != a.secondary)
    }

    /// Refreshing from given vectors, and the count against a direct comparison; an aligned
    /// refresh (another modality present) keeps that modality's vectors and is deterministic.
    @Test func warmStartedRefitIsDeterministicAndAligned() throws {
        var rng = RandomSource(seed: 3)
        let n = 80, d = 6
        let fixed = Matrix(rows: n, cols: d), tower = Matrix(rows: n, cols: 5)
        for i in 0..<n {
            for j in 0..<d { fixed[i, j] = (j == i % 4 ? 1 : 0) + 0.1 * rng.normal() }
            for j in 0..<5 { tower[i, j] = (j == i % 4 ? 1 : 0) + 0.1 * rng.normal() }
        }
        let text = ModalityMatrix(name: "text", vectors: fixed, present: [Bool](repeating: true, count: n)).l2Normalized()
        let behaviour = ModalityMatrix(name: "behaviour", vectors: tower, present: (0..<n).map { $0 % 7 != 0 })
        let y1 = CodebookRefresh.align(behaviour, onto: [text], epochs: 20, seed: 5)
        let y2 = CodebookRefresh.align(behaviour, onto: [text], epochs: 20, seed: 5)
        #expect(y1.array == y2.array)
        #expect((0..<n).allSatisfy { i in behaviour.present[i] || y1.rowArray(i).allSatisfy { $0 == 0 } })
        let previous = SemanticIDs(primary: (0..<n).map { Int32(($0 + 1) % 4) }, secondary: (0..<n).map { Int32($0 % 2) }, kp: 4, ks: 2)
        let f1 = CodebookRefresh.refit(aligned: [text.vectors, y1], available: [text.present, behaviour.present], names: ["text", "behaviour"],
                                       previous: previous, previousPrimary: nil, previousSecondary: nil)
        let f2 = CodebookRefresh.refit(aligned: [text.vectors, y2], available: [text.present, behaviour.present], names: ["text", "behaviour"],
                                       previous: previous, previousPrimary: nil, previousSecondary: nil)
        #expect(f1.ids == f2.ids)
        // Warm start: previous cluster j (items with i % 4 == j - 1) becomes cluster j, so the
        // four groups keep their labels.
        #expect((0..<n).allSatisfy { f1.ids.primary[$0] == Int32(($0 + 1) % 4) })
    }
}
