import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
import Sampling
@testable import Training

/// Whole runs in temporary directories on a tiny data set written in the LightGCN format.
@Suite struct TrainingRunTests {
    static let timingKeys: Set<String> = ["train_seconds", "eval_seconds", "train_seconds_total", "median_epoch_seconds"]

    private func runConfig(dataDir: URL) -> RunConfig {
        RunConfig(data: .init(path: dataDir.path), model: modelConfig(), training: trainConfig(), optimizer: adamConfig())
    }

    /// Every entry's values except wall-clock timings.
    private func withoutTimings(_ e: [String: Double]) -> [String: Double] {
        e.filter { !Self.timingKeys.contains($0.key) }
    }

    /// The same keys (timings aside) with the same values. Values that went through
    /// metrics.json are compared to a few ulps: swift-corelibs-foundation's JSONSerialization
    /// parses some doubles 1 ulp off (it reads "0.1439735886740241" as 0.14397358867402413),
    /// and a resumed run's early epochs went through one more write/read than the others.
    /// Any real divergence of a resumed run is many orders of magnitude larger.
    private func expectSameEntries(_ got: [String: Double], _ expected: [String: Double], _ label: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        let g = withoutTimings(got), e = withoutTimings(expected)
        #expect(Set(g.keys) == Set(e.keys), "\(label): keys differ", sourceLocation: sourceLocation)
        let differing = e.keys.sorted().filter { k in
            guard let x = g[k], let y = e[k] else { return false }
            return abs(x - y) > 1e-14 * max(1, abs(y))
        }
        #expect(differing.isEmpty, "\(label): \(differing.map { "\($0) \(g[$0]!) vs \(e[$0]!)" })", sourceLocation: sourceLocation)
    }

    private func tensors(_ url: URL) throws -> [String: [UInt32]] {
        let f = try SafeTensorsFile.read(from: url)
        var out: [String: [UInt32]] = [:]
        for n in f.names {
            out[n] = f.dtype(of: n) == "I32" ? try f.int32s(n).map { UInt32(bitPattern: $0) } : bits(try f.matrix(n))
        }
        return out
    }

    /// Run A goes through 3 epochs. Right after epoch 1 is checkpointed, the files a run
    /// killed at that moment would leave (config.json, metrics.json, model.safetensors) are
    /// copied into B; B then resumes and must end exactly where A ended.
    @Test func writesRunFilesAndResumesToTheSameResult() throws {
        let tmp = TempDir()
        let dataDir = tmp.file("data"), dirA = tmp.file("runA"), dirB = tmp.file("runB")
        let dataset = tinyDataset()
        try writeLightGCN(dataset, to: dataDir)
        let config = runConfig(dataDir: dataDir)
        let fm = FileManager.default

        var epochsDone: [Int] = []
        var snapshotError: Error? = nil
        var steps = 0
        let runA = TrainingRun(directory: dirA, config: config) { event in
            switch event {
            case .step: steps += 1
            case .epochDone(let stats, let metrics, _):
                epochsDone.append(stats.epoch)
                #expect(metrics != nil)
                if stats.epoch == 1 {
                    do {
                        try fm.createDirectory(at: dirB, withIntermediateDirectories: true)
                        for name in ["config.json", "metrics.json", "model.safetensors"] {
                            try fm.copyItem(at: dirA.appendingPathComponent(name), to: dirB.appendingPathComponent(name))
                        }
                    } catch { snapshotError = error }
                }
            default: break
            }
        }
        let logA = try runA.run(resume: false)
        #expect(snapshotError == nil)
        #expect(epochsDone == [1, 2, 3])
        #expect(steps > 0)

        // Files of a finished run.
        for name in ["config.json", "metrics.json", "model.safetensors", "embeddings/user_embeddings.npy",
                     "embeddings/item_embeddings.npy", "embeddings/user_ids.tsv", "embeddings/item_ids.tsv"] {
            #expect(fm.fileExists(atPath: dirA.appendingPathComponent(name).path), "missing \(name)")
        }
        let savedConfig = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: dirA.appendingPathComponent("config.json")))
        #expect(savedConfig == config)
        let metricsA = try MetricsLog.read(from: dirA.appendingPathComponent("metrics.json"))
        #expect(metricsA.epochs.count == 3)
        for (i, e) in metricsA.epochs.enumerated() {
            #expect(e["epoch"] == Double(i + 1))
            for key in ["loss", "recall@20", "ndcg@20", "recall@50", "recall@200", "train_seconds", "eval_seconds", "false_negative_rate"] {
                #expect(e[key] != nil, "epoch \(i + 1) lacks \(key)")
            }
        }
        let finalA = try #require(metricsA.final)
        #expect(finalA["epochs_trained"] == 3)
        #expect(finalA["recall@20"] == metricsA.epochs[2]["recall@20"])
        #expect(finalA["train_seconds_total"] != nil && finalA["median_epoch_seconds"] != nil)
        #expect(metricsA.info["users"] == String(dataset.numUsers))
        #expect(logA.epochs.count == 3)
        // Each user's test metrics: one entry per user, NaN for users without test items, and
        // their mean over the evaluated users is the reported figure.
        let perUser = try PerUserMetrics.read(from: dirA.appendingPathComponent(RunFiles.perUserTest))
        let r20 = try #require(perUser.values["recall@20"])
        #expect(r20.count == dataset.numUsers && perUser.values["ndcg@200"]?.count == dataset.numUsers)
        let evaluated = r20.filter { !$0.isNaN }.map(Double.init)
        #expect(evaluated.count == (0..<dataset.numUsers).filter { dataset.test.degree(of: $0) > 0 }.count)
        #expect(abs(evaluated.reduce(0, +) / Double(evaluated.count) - finalA["recall@20"]!) < 1e-6)

        let users = try NPY.readMatrix(from: dirA.appendingPathComponent("embeddings/user_embeddings.npy"))
        let items = try NPY.readMatrix(from: dirA.appendingPathComponent("embeddings/item_embeddings.npy"))
        #expect(users.rows == dataset.numUsers && users.cols == 8)
        #expect(items.rows == dataset.numItems && items.cols == 8)
        for r in 0..<items.rows {
            let n = items.rowArray(r).reduce(0) { $0 + Double($1 * $1) }
            #expect(abs(n - 1) < 1e-4)
        }
        let idLines = try String(contentsOf: dirA.appendingPathComponent("embeddings/item_ids.tsv"), encoding: .utf8)
            .split(separator: "\n")
        #expect(idLines.count == dataset.numItems + 1 && idLines.first == "index\tid" && idLines[1] == "0\t0")
        // The checkpoint holds the trained model and says which epoch it finished.
        let (_, header) = try Checkpoint.load(from: dirA.appendingPathComponent("model.safetensors"))
        #expect(header.metadata["esans.epoch"] == "3")

        // B: the state right after epoch 1, then resumed.
        let snapshot = try MetricsLog.read(from: dirB.appendingPathComponent("metrics.json"))
        #expect(snapshot.epochs.count == 1 && snapshot.final == nil)
        var resumedFrom: Int? = nil
        var epochsB: [Int] = []
        let runB = TrainingRun(directory: dirB, config: config) { event in
            if case .resumed(let e) = event { resumedFrom = e }
            if case .epochDone(let stats, _, _) = event { epochsB.append(stats.epoch) }
        }
        try runB.run(resume: true)
        #expect(resumedFrom == 1)
        #expect(epochsB == [2, 3])
        let metricsB = try MetricsLog.read(from: dirB.appendingPathComponent("metrics.json"))
        #expect(metricsB.epochs.count == 3)
        for (i, (ea, eb)) in zip(metricsA.epochs, metricsB.epochs).enumerated() { expectSameEntries(eb, ea, "epoch \(i + 1)") }
        expectSameEntries(try #require(metricsB.final), finalA, "final")
        #expect(try tensors(dirA.appendingPathComponent("model.safetensors")) == tensors(dirB.appendingPathComponent("model.safetensors")))
        let usersB = try NPY.readMatrix(from: dirB.appendingPathComponent("embeddings/user_embeddings.npy"))
        #expect(bits(usersB) == bits(users))

        // Resuming a finished run trains nothing and reports the same final metrics.
        var trainedAgain = false
        let again = try TrainingRun(directory: dirA, config: config) { event in
            if case .epochDone = event { trainedAgain = true }
        }.run(resume: true)
        #expect(!trainedAgain)
        expectSameEntries(try #require(again.final), finalA, "final after resuming a finished run")
    }

    @Test(arguments: [false, true])
    func validationAndEvaluationInterval(testEveryEvaluation: Bool) throws {
        let tmp = TempDir()
        let dataDir = tmp.file("data"), dir = tmp.file("run")
        try writeLightGCN(tinyDataset(), to: dataDir)
        var config = runConfig(dataDir: dataDir)
        config.training.validationFraction = 0.2
        config.training.refit = false
        config.training.evalEvery = 2
        config.training.testEveryEvaluation = testEveryEvaluation
        var validated: [Int] = [], tested: [Int] = []
        let log = try TrainingRun(directory: dir, config: config) { event in
            if case .epochDone(let stats, let metrics, _) = event, metrics != nil { tested.append(stats.epoch) }
            if case .validated(let epoch, _, _) = event { validated.append(epoch) }
        }.run(resume: false)
        #expect(validated == [2, 3], "validated after the 2nd and the last epoch")
        #expect(tested == (testEveryEvaluation ? [2, 3] : []), "the test split only on request before the end")
        #expect(log.epochs.count == 3)
        #expect(log.epochs[0]["recall@20"] == nil && log.epochs[0]["valid_recall@20"] == nil)
        for e in log.epochs[1...] { #expect((e["recall@20"] != nil) == testEveryEvaluation && e["valid_recall@20"] != nil) }
        // The final entry is the test split at the epoch chosen on validation.
        let final = try #require(log.final)
        let selected = try #require(final["selected_epoch"])
        let scored = log.epochs.filter { $0["valid_recall@20"] != nil }
        let top = scored.map { $0["valid_recall@20"]! }.max()!
        let best = scored.first { $0["valid_recall@20"] == top }!   // the first of equal scores
        #expect(selected == best["epoch"])
        #expect(final["recall@20"] != nil)
        if testEveryEvaluation { #expect(final["recall@20"] == best["recall@20"]) }
    }

    @Test func resumingWithDifferentSettingsIsRefused() throws {
        let tmp = TempDir()
        let dataDir = tmp.file("data"), dir = tmp.file("run")
        try writeLightGCN(tinyDataset(), to: dataDir)
        var config = runConfig(dataDir: dataDir)
        config.training.epochs = 1
        try TrainingRun(directory: dir, config: config).run(resume: false)
        var changed = config
        changed.training.loss.temperature = 0.5
        do {
            try TrainingRun(directory: dir, config: changed).run(resume: true)
            Issue.record("resuming with other settings must throw")
        } catch {
            #expect("\(error)".contains("config.json") && "\(error)".contains("training.loss.temperature: 0.5 given, 0.2 in the run"), "\(error)")
        }
    }
}
