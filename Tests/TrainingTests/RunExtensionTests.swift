import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
@testable import Training

/// `--resume` with more epochs extends a run (``RunResumption``, ``RunExtension``): the later
/// epochs follow the schedule of the longer plan, selection continues and the refit is made
/// again; the same extension gives the same numbers, and so does a run trained from the
/// extended run's config.json. Fewer epochs, a run stopped early and other settings are refused.
@Suite struct RunExtensionTests {
    /// The final entry without timings.
    static func results(_ log: MetricsLog) throws -> [String: Double] {
        try #require(log.final).filter { !$0.key.contains("seconds") }
    }

    @Test func extendingIsDeterministicAndRecordedInTheSettings() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), a = tmp.file("a"), b = tmp.file("b"), c = tmp.file("c")
        try writeLightGCN(tinyDataset(), to: data)
        let config = RunIntegrityTests.config(data: data, epochs: 3, validation: 0.2)
        for dir in [a, b] { try RunIntegrityTests.train(config, in: dir) }
        var longer = config
        longer.training.epochs = 6
        var notes: [String] = []
        let logA = try TrainingRun(directory: a, config: longer) { if case .note(let n) = $0 { notes.append(n) } }.run(resume: true)
        let logB = try TrainingRun(directory: b, config: longer).run(resume: true)
        #expect(try Self.results(logA) == Self.results(logB), "the same extension gives the same numbers")
        #expect(notes.contains { $0.contains("extending the run from 3 to 6 epochs after epoch 3") && $0.contains("cosine schedule of a run planned for 6 epochs") }, "\(notes)")

        // The settings record the extension; the schedule restarts where a 6-epoch plan would be.
        let saved = try RunConfig.read(from: a.appendingPathComponent(RunFiles.config))
        #expect(saved.training.epochs == 6 && saved.training.extensions == [RunExtension(afterEpoch: 3, plannedEpochs: 3)])
        #expect(logA.epochs.count == 6)
        let peak = Double(config.optimizer.learningRate)
        let rates = logA.epochs.map { $0["learning_rate"] ?? -1 }
        #expect(abs(rates[2] - peak * 0.25) < 1e-6 && abs(rates[3] - peak * 0.5) < 1e-6, "\(rates)")
        // Selection went on over the new epochs (every epoch evaluated), then the refit was made again.
        #expect(logA.epochs.allSatisfy { $0["valid_recall@20"] != nil })
        let final = try #require(logA.final)
        #expect(final["selected_epoch"] != nil && final["refit_epochs"] != nil && final["epochs_trained"] == 6)
        let refit = try Checkpoint.load(from: a.appendingPathComponent(RunFiles.refit)).header
        #expect(refit.metadata["esans.refit_epoch"].flatMap(Int.init) == Int(final["refit_epochs"]!))

        // A run trained from the extended run's settings repeats it.
        let logC = try TrainingRun(directory: c, config: saved).run(resume: false)
        #expect(try Self.results(logC) == Self.results(logA))
        // Resuming the extended run as it is now changes nothing.
        let again = try TrainingRun(directory: a, config: longer).run(resume: true)
        #expect(try Self.results(again) == Self.results(logA))
    }

    @Test func anInterruptedRunIsExtendedFromItsLastEpoch() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), run = tmp.file("run")
        try writeLightGCN(tinyDataset(), to: data)
        let config = RunIntegrityTests.config(data: data, epochs: 4)
        // Interrupted after epoch 2: the files as they were then.
        let full = tmp.file("full"), fm = FileManager.default
        try TrainingRun(directory: full, config: config) { event in
            guard case .epochDone(let stats, _, _) = event, stats.epoch == 2 else { return }
            try? fm.createDirectory(at: run, withIntermediateDirectories: true)
            for name in [RunFiles.config, RunFiles.metrics, RunFiles.checkpoint] {
                try? fm.copyItem(at: full.appendingPathComponent(name), to: run.appendingPathComponent(name))
            }
        }.run(resume: false)
        var longer = config
        longer.training.epochs = 5
        let log = try TrainingRun(directory: run, config: longer).run(resume: true)
        #expect(log.epochs.count == 5)
        let saved = try RunConfig.read(from: run.appendingPathComponent(RunFiles.config))
        #expect(saved.training.extensions == [RunExtension(afterEpoch: 2, plannedEpochs: 4)])
        #expect(saved.training.scheduleEpochs(at: 2) == 4 && saved.training.scheduleEpochs(at: 3) == 5)
    }

    @Test func fewerEpochsOtherSettingsAndEarlyStopsAreRefused() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), run = tmp.file("run")
        try writeLightGCN(tinyDataset(), to: data)
        let config = RunIntegrityTests.config(data: data, epochs: 3)
        try RunIntegrityTests.train(config, in: run)
        let before = try Data(contentsOf: run.appendingPathComponent(RunFiles.config))

        var shorter = config
        shorter.training.epochs = 2
        let fewer = RunIntegrityTests.refusal { try RunIntegrityTests.train(shorter, in: run, resume: true) }
        #expect(fewer.contains("--epochs 2 (training.epochs) is fewer than the 3"), "\(fewer)")

        // Every differing setting is named with both values (and the epochs may still grow).
        var other = config
        other.training.epochs = 5
        other.training.seed = 9
        other.model.dim = 16
        other.training.batchSize = 64
        let changed = RunIntegrityTests.refusal { try RunIntegrityTests.train(other, in: run, resume: true) }
        for part in ["training.seed: 9 given, 5 in the run", "model.dim: 16 given, 8 in the run", "training.batchSize: 64 given, 32 in the run"] {
            #expect(changed.contains(part), "\(changed)")
        }
        #expect(!changed.contains("training.epochs"), "\(changed)")
        #expect(try Data(contentsOf: run.appendingPathComponent(RunFiles.config)) == before, "a refusal writes nothing")

        // A run that validation stopped early is not extended.
        var selection = ModelSelection()
        _ = selection.observe(epoch: 1, score: 0.5, patience: 1, maxDrops: 0)
        #expect(selection.observe(epoch: 2, score: 0.4, patience: 1, maxDrops: 0) == .stop)
        let checkpoint = run.appendingPathComponent(RunFiles.checkpoint)
        let (model, header) = try Checkpoint.load(from: checkpoint)
        var meta = header.metadata
        meta["esans.epoch"] = "2"
        meta["esans.selection"] = String(decoding: try JSONEncoder().encode(selection), as: UTF8.self)
        try Checkpoint.save(model: model, optimizer: nil, metadata: meta, to: checkpoint)
        var longer = config
        longer.training.epochs = 6
        let stopped = #expect(throws: TensorIOError.self) { try RunResumption.plan(config: longer, directory: run) }
        #expect(stopped.map { "\($0)" }?.contains("stopped early after epoch 2") == true, "\(String(describing: stopped))")
    }
}
