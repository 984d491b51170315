import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
import Losses
@testable import Training

@Suite struct ModelSelectionTests {
    @Test func plateausDropTheRateThenStop() {
        var s = ModelSelection()
        // Scores per epoch; patience 2 evaluations, 1 drop allowed.
        let scores = [0.1, 0.2, 0.15, 0.19, 0.25, 0.24, 0.2, 0.3]
        var decisions: [ModelSelection.Decision] = []
        for (i, score) in scores.enumerated() {
            s.epochTrained()
            decisions.append(s.observe(epoch: i + 1, score: score, patience: 2, maxDrops: 1))
            if s.finished { break }
        }
        #expect(decisions == [.improved, .improved, .keepGoing, .dropLearningRate, .improved, .keepGoing, .stop])
        #expect(s.bestEpoch == 5 && s.bestScore == 0.25)
        #expect(s.drops == [4])
        // Epochs 1-2 at level 0 led to the best of epoch 2; the drop reloaded it, and epoch 5
        // was its first epoch at level 1.
        #expect(s.bestLineage == [2, 1])
        #expect(s.finished)
    }

    @Test func withoutPatienceItNeverStops() {
        var s = ModelSelection()
        for e in 1...20 {
            s.epochTrained()
            #expect(s.observe(epoch: e, score: e == 1 ? 1 : 0.5, patience: 0, maxDrops: 3) != .stop)
        }
        #expect(s.bestEpoch == 1 && s.drops.isEmpty && s.bestLineage == [1] && s.lineage == [20])
    }

    @Test func roundTripsThroughJSON() throws {
        var s = ModelSelection()
        s.epochTrained()
        _ = s.observe(epoch: 1, score: 0.5, patience: 1, maxDrops: 1)
        s.epochTrained()
        _ = s.observe(epoch: 2, score: 0.4, patience: 1, maxDrops: 1)
        let back = try JSONDecoder().decode(ModelSelection.self, from: JSONEncoder().encode(s))
        #expect(back == s)
        #expect(try JSONDecoder().decode(ModelSelection.self, from: JSONEncoder().encode(ModelSelection())) == ModelSelection())
    }
}

/// Whole runs with choices made on validation: plateau drops, early stopping and refit.
@Suite struct SelectionRunTests {
    private func config(dataDir: URL, loss: LossKind = .bsl, refit: Bool = true) -> RunConfig {
        var m = ModelConfig()
        m.dim = 8
        var t = TrainConfig()
        t.epochs = 12
        t.batchSize = 32
        t.sharedNegatives = 16
        t.loss = LossConfig(kind: loss)
        t.loss.temperature = 0.2
        t.userDropout = 0.1
        t.embeddingL2 = 1e-4
        t.validationFraction = 0.2
        t.evalEvery = 1
        t.lrSchedule = .plateau
        t.plateauPatience = 1
        t.plateauDrops = 2
        t.refit = refit
        t.seed = 9
        var o = AdamOptimizer.Config()
        o.learningRate = 0.05
        return RunConfig(data: .init(path: dataDir.path), model: m, training: t, optimizer: o)
    }

    /// Two data sets with the same training file and different test files: every choice
    /// (epochs, drops, refit) and the trained weights are identical; only the reported test
    /// metrics differ.
    @Test func theTestSplitCannotChangeAnyChoice() throws {
        let tmp = TempDir()
        let base = tinyDataset(seed: 4)
        let dirA = tmp.file("dataA"), dirB = tmp.file("dataB")
        try writeLightGCN(base, to: dirA)
        try writeLightGCN(base, to: dirB)
        // B's test split: every user's test items replaced by other items it never saw.
        var text = ""
        for u in 0..<base.numUsers {
            let seen = Set(base.train.items(of: u)).union(base.test.items(of: u))
            let other = (0..<Int32(base.numItems)).filter { !seen.contains($0) }.prefix(3)
            text += ([String(u)] + other.map { String($0) }).joined(separator: " ") + "\n"
        }
        try text.write(to: dirB.appendingPathComponent("test.txt"), atomically: true, encoding: .utf8)

        var logs: [MetricsLog] = [], embeddings: [[UInt32]] = []
        for (data, run) in [(dirA, tmp.file("runA")), (dirB, tmp.file("runB"))] {
            var drops = 0
            let log = try TrainingRun(directory: run, config: config(dataDir: data)) { event in
                if case .learningRateDropped = event { drops += 1 }
            }.run(resume: false)
            #expect(Double(drops) == log.final?["lr_drops"])
            logs.append(log)
            embeddings.append(bits(try NPY.readMatrix(from: run.appendingPathComponent("embeddings/item_embeddings.npy"))))
        }
        let (a, b) = (try #require(logs[0].final), try #require(logs[1].final))
        for key in ["selected_epoch", "lr_drops", "refit_epochs", "epochs_trained", "valid_recall@20", "valid_ndcg@20"] {
            #expect(a[key] != nil && a[key] == b[key], "\(key): \(String(describing: a[key])) vs \(String(describing: b[key]))")
        }
        #expect(logs[0].info["lr_drops_after_epochs"] == logs[1].info["lr_drops_after_epochs"])
        #expect(logs[0].epochs.map { $0["valid_recall@20"] } == logs[1].epochs.map { $0["valid_recall@20"] })
        #expect(embeddings[0] == embeddings[1], "the same weights come out")
        #expect(a["recall@20"] != b["recall@20"], "the reported test metrics do differ")
        #expect((a["lr_drops"] ?? 0) >= 1, "the fixture should hit a plateau")
    }

    /// A run killed after any epoch (its files copied at that moment) resumes to the same end,
    /// through plateau reloads, a stateful loss (Adap-tau), dropout and the refit.
    @Test(arguments: [2, 5])
    func resumesThroughPlateausAndRefit(killAfter: Int) throws {
        let tmp = TempDir()
        let dataDir = tmp.file("data"), dirA = tmp.file("runA"), dirB = tmp.file("runB")
        try writeLightGCN(tinyDataset(seed: 6), to: dataDir)
        let cfg = config(dataDir: dataDir, loss: .adaptau)
        let fm = FileManager.default
        var copied = false
        let logA = try TrainingRun(directory: dirA, config: cfg) { event in
            if case .epochDone(let stats, _, _) = event, stats.epoch == killAfter, !copied {
                copied = true
                try? fm.createDirectory(at: dirB, withIntermediateDirectories: true)
                for name in ["config.json", "metrics.json", "model.safetensors", "best.safetensors"]
                where fm.fileExists(atPath: dirA.appendingPathComponent(name).path) {
                    try? fm.copyItem(at: dirA.appendingPathComponent(name), to: dirB.appendingPathComponent(name))
                }
            }
        }.run(resume: false)
        #expect(copied)
        let logB = try TrainingRun(directory: dirB, config: cfg).run(resume: true)
        let keep = { (e: [String: Double]) in e.filter { !$0.key.contains("seconds") } }
        #expect(keep(try #require(logB.final)) == keep(try #require(logA.final)))
        #expect(logA.final?["refit_epochs"] != nil)
        let ua = try NPY.readMatrix(from: dirA.appendingPathComponent("embeddings/user_embeddings.npy"))
        let ub = try NPY.readMatrix(from: dirB.appendingPathComponent("embeddings/user_embeddings.npy"))
        #expect(bits(ua) == bits(ub))
    }
}
