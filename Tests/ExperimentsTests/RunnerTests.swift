import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Training
@testable import Experiments

/// Counts training calls and records what it was asked to do.
final class FakeTrainer: @unchecked Sendable {
    var calls: [(dir: URL, resume: Bool)] = []

    /// Writes config.json and a finished metrics.json, like a completed ``TrainingRun``.
    func train(_ dir: URL, _ config: RunConfig, _ resume: Bool, _ observe: @escaping (TrainingRun.Event) -> Void) throws -> MetricsLog {
        calls.append((dir, resume))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(enc.encode(config), to: dir.appendingPathComponent("config.json"))
        let log = handMadeLog(final: ["recall@50": Double(config.training.seed) / 10], recall50: [0.1], seconds: [1], falseNegatives: [0])
        try log.write(to: dir.appendingPathComponent("metrics.json"))
        return log
    }
}

/// Reuse: finished runs are read back, unfinished ones resumed, conflicting ones refused.
@Suite struct RunnerTests {
    @Test func finishedRunsAreNotRetrained() throws {
        let tmp = TempDir()
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        let fake = FakeTrainer()
        var events: [String] = []
        let runner = ExperimentRunner(plan: plan, output: tmp.url, train: fake.train)
        let first = try runner.runAll { e in if case .started(let k, _, _, _) = e { events.append("start \(k)") } }
        #expect(fake.calls.count == 4)
        #expect(first.count == 4 && events.count == 4)
        #expect(fake.calls[0].dir.lastPathComponent == "a-seed1")
        #expect(fake.calls[0].dir.deletingLastPathComponent().lastPathComponent == "runs")

        // Restarted: nothing is trained again, every log is read back from disk.
        var reused = 0
        let second = try runner.runAll { e in if case .reused = e { reused += 1 } }
        #expect(fake.calls.count == 4)
        #expect(reused == 4)
        #expect(second[RunKey(variant: "b", seed: 2)]?.final?["recall@50"] == 0.2)
    }

    @Test func unfinishedRunsAreResumedAndConflictsRefused() throws {
        let tmp = TempDir()
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        let fake = FakeTrainer()
        let runner = ExperimentRunner(plan: plan, output: tmp.url, train: fake.train)
        _ = try runner.runAll()
        // Make a-seed1 unfinished: no final entry.
        let dir = runner.directory(for: RunKey(variant: "a", seed: 1))
        var log = try MetricsLog.read(from: dir.appendingPathComponent("metrics.json"))
        log.final = nil
        try log.write(to: dir.appendingPathComponent("metrics.json"))
        var resumed: [RunKey] = []
        _ = try runner.runAll { e in if case .started(let k, _, _, true) = e { resumed.append(k) } }
        #expect(fake.calls.count == 5)
        #expect(resumed == [RunKey(variant: "a", seed: 1)])
        #expect(fake.calls.last?.resume == true)

        // Same directory, other settings: refused rather than overwritten.
        var other = plan
        other.base.training.epochs = 7
        let conflicting = ExperimentRunner(plan: other, output: tmp.url, train: fake.train)
        #expect(throws: ExperimentError.self) { try conflicting.runAll() }
        #expect(fake.calls.count == 5)
    }
}
