import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
import Sampling
@testable import Training

private func modelConfig() -> ModelConfig {
    var m = ModelConfig()
    m.dim = 8
    return m
}

private func trainConfig(seed: UInt64 = 5, epochs: Int = 3) -> TrainConfig {
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

private func adamConfig() -> AdamOptimizer.Config {
    var c = AdamOptimizer.Config()
    c.learningRate = 0.02
    return c
}

private func makeTrainer(_ d: Dataset, seed: UInt64 = 5, modelSeed: UInt64 = 5) -> Trainer {
    let tc = trainConfig(seed: seed)
    let model = TwoTowerModel(config: modelConfig(), numUsers: d.numUsers, numItems: d.numItems, seed: modelSeed)
    var notes: [String] = []
    let sampler = try! SamplerFactory.make(tc, context: SamplingContext(train: d.train), dataset: d, notes: &notes)
    return Trainer(dataset: d, model: model, optimizer: AdamOptimizer(config: adamConfig()), sampler: sampler, config: tc)
}

@Suite struct TrainerTests {
    @Test func lossDecreasesAndRankingImproves() {
        let d = tinyDataset()
        let trainer = makeTrainer(d)
        let before = trainer.evaluateTest().values["recall@20"]!
        let stats = (1...3).map { trainer.trainEpoch($0) }
        for s in stats {
            #expect(s.steps == trainer.stepsPerEpoch && s.steps == (d.train.count + 31) / 32)
            #expect(s.loss.isFinite && s.falseNegativeRate >= 0 && s.falseNegativeRate <= 1)
        }
        #expect(stats[2].loss < stats[0].loss, "losses \(stats.map(\.loss))")
        #expect(stats[1].loss < stats[0].loss)
        let after = trainer.evaluateTest().values["recall@20"]!
        #expect(after > before, "recall@20 \(before) -> \(after)")
        for p in trainer.model.parameters { #expect(p.value.allFinite) }
    }

    @Test func sameSeedIsBitwiseReproducibleAndOtherSeedsDiffer() {
        let d = tinyDataset()
        let a = makeTrainer(d), b = makeTrainer(d), c = makeTrainer(d, seed: 6)
        let la = (1...2).map { a.trainEpoch($0).loss }
        let lb = (1...2).map { b.trainEpoch($0).loss }
        let lc = (1...2).map { c.trainEpoch($0).loss }
        #expect(la.map(\.bitPattern) == lb.map(\.bitPattern))
        for (p, q) in zip(a.model.parameters, b.model.parameters) {
            #expect(bits(p.value) == bits(q.value), "\(p.name)")
            #expect(bits(p.m) == bits(q.m) && bits(p.v) == bits(q.v) && p.rowStep == q.rowStep)
        }
        #expect(la != lc, "a different run seed must change the shuffle and the negatives")
        #expect(zip(a.model.parameters, c.model.parameters).contains { bits($0.value) != bits($1.value) })
    }

    @Test func perPositiveAndInBatchSamplersTrain() {
        let d = tinyDataset()
        for kind in [SamplerKind.uns, .inbatch, .pns, .mns, .dns, .mixgcf] {
            var tc = trainConfig()
            tc.sampler = kind
            tc.perPositiveNegatives = kind == .inbatch ? 0 : 2
            let model = TwoTowerModel(config: modelConfig(), numUsers: d.numUsers, numItems: d.numItems, seed: 5)
            var notes: [String] = []
            let sampler = try! SamplerFactory.make(tc, context: SamplingContext(train: d.train), dataset: d, notes: &notes)
            #expect(sampler.kind == kind)
            let t = Trainer(dataset: d, model: model, optimizer: AdamOptimizer(config: adamConfig()), sampler: sampler, config: tc)
            let l1 = t.trainEpoch(1).loss, l2 = t.trainEpoch(2).loss
            #expect(l1.isFinite && l2 < l1, "\(kind): \(l1) -> \(l2)")
            // The one logQ switch reaches the samplers: none attach logQ when it is off.
            tc.logQCorrection = false
            let plain = try! SamplerFactory.make(tc, context: SamplingContext(train: d.train), dataset: d, notes: &notes)
            var rng = RandomSource(seed: 3)
            let neg = plain.sample(BatchRequest(users: [0, 1], positives: [1, 2]), scorer: kind.scoresCandidates ? ConstantScorer() : nil, rng: &rng)
            #expect(neg.sharedLogQ.isEmpty && neg.perPositiveLogQ.isEmpty, "\(kind) attached logQ with the switch off")
        }
    }
}

/// Scores every candidate 0 (samplers that score candidates need a scorer).
private struct ConstantScorer: CandidateScorer {
    func scores(candidates: [Int32], perRow: Int) -> [Float] { [Float](repeating: 0, count: candidates.count) }
}

@Suite struct RunConfigTests {
    @Test func syntheticPathLoadsGeneratedData() throws {
        var tc = TrainConfig()
        tc.seed = 4
        let config = RunConfig(data: .init(path: RunConfig.syntheticPath), model: modelConfig(), training: tc, optimizer: adamConfig())
        let d = try config.loadDataset()
        #expect(d.numUsers == 1500 && d.numItems == 1200)
        #expect(d.train.count > 1500 && d.test.count > 0)
        // The defaults hold out a tenth of each user's training items for model selection.
        let validation = try #require(d.validation)
        #expect(abs(Double(validation.count) / Double(validation.count + d.train.count) - 0.1) < 0.03)
        var none = config
        none.training.validationFraction = 0
        #expect(try none.loadDataset().validation == nil)
        // The training seed is the data seed.
        let again = try config.loadDataset()
        #expect(again.train == d.train && again.test == d.test)
    }

    @Test func configRoundTripsThroughJSON() throws {
        var tc = trainConfig()
        tc.validationFraction = 0.1
        let config = RunConfig(data: .init(path: "/x/y"), model: modelConfig(), training: tc, optimizer: adamConfig())
        let decoded = try JSONDecoder().decode(RunConfig.self, from: JSONEncoder().encode(config))
        #expect(decoded == config)
    }

    @Test func relativeAndAbsolutePathsNameTheSameRun() {
        let cwd = FileManager.default.currentDirectoryPath
        var tc = trainConfig()
        tc.semanticIDs = "ids/semantic_ids.tsv"
        let relative = RunConfig(data: .init(path: "data/../data/gowalla"), model: modelConfig(), training: tc, optimizer: adamConfig())
        var absolute = relative
        absolute.data.path = cwd + "/data/gowalla"
        absolute.training.semanticIDs = cwd + "/ids/semantic_ids.tsv"
        #expect(relative != absolute)
        #expect(relative.sameRun(as: absolute))
        var other = absolute
        other.data.path = cwd + "/data/yelp"
        #expect(!relative.sameRun(as: other))
    }

    /// Every enum-valued setting of config.json: an unknown name fails with the file, the
    /// setting's path and the accepted names.
    @Test(arguments: [
        (#""format" : "lightgcn""#, #""format" : "parquet""#, "data.format", "lightgcn, recbole, csv, tsv"),
        (#""split" : "time:0.8""#, #""split" : "half""#, "data.split", "given, loo, time:RATIO"),
        (#""sampler" : "uns""#, #""sampler" : "random""#, "training.sampler", "uns, pns, inbatch, mns, dns, mixgcf, esans"),
        (#""kind" : "softmax""#, #""kind" : "hinge""#, "training.loss.kind", "softmax, bsl, ccl, adaptau, bpr"),
        (#""lrSchedule" : "cosine""#, #""lrSchedule" : "step""#, "training.lrSchedule", "constant, cosine, linear, plateau"),
        (#""lambdaRule" : "fixed""#, #""lambdaRule" : "adaptive""#, "training.esans.lambdaRule", "fixed, semihard"),
        (#""easyProposal" : "cluster""#, #""easyProposal" : "popular""#, "training.esans.easyProposal", "cluster, item"),
    ])
    func unknownSettingValuesInConfigJSONAreNamed(_ original: String, _ replacement: String, _ setting: String, _ accepted: String) throws {
        var source = RunConfig.DataSource(path: "/nowhere")
        source.format = .lightgcn
        source.split = .ratioByTime(0.8)
        var t = TrainConfig()
        t.loss.kind = .softmax
        t.lrSchedule = .cosine
        let config = RunConfig(data: source, model: ModelConfig(), training: t, optimizer: AdamOptimizer.Config())
        let text = String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self)
        #expect(text.contains(original), "\(original) not in \(text)")
        let tmp = TempDir()
        let url = tmp.file("config.json")
        try text.replacingOccurrences(of: original, with: replacement).write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try RunConfig.read(from: url)
            Issue.record("decoded \(replacement)")
        } catch {
            let message = "\(error)"
            #expect(message.contains(url.path) && message.contains(setting) && message.contains(accepted), "\(message)")
        }
    }

    /// Runs written before the loss setting (a top-level temperature, no loss) load as softmax.
    @Test func oldConfigsLoadAsSoftmaxWithTheirTemperature() throws {
        let old = #"{"epochs": 3, "temperature": 0.07, "sampler": "pns", "lrSchedule": "linear"}"#
        let t = try JSONDecoder().decode(TrainConfig.self, from: Data(old.utf8))
        #expect(t.loss.kind == .softmax && t.loss.temperature == 0.07 && t.sampler == .pns && t.lrSchedule == .linear)
        let esans = #"{"sampler": "esans", "esans": {"logQ": false, "hard": 2}}"#
        let e = try JSONDecoder().decode(TrainConfig.self, from: Data(esans.utf8))
        #expect(!e.logQCorrection && e.esans.hard == 2, "an old ESANS run without logQ keeps it off")
    }
}

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
