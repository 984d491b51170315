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

/// Issue 16: an experiment whose ESANS runs would fail on their semantic IDs fails before it
/// trains or writes anything (it used to train the runs before the first ESANS run, then stop).
@Suite struct RunnerInputCheckTests {
    @Test func semanticIDsAreCheckedBeforeAnyRun() throws {
        let tmp = TempDir()
        var base = tinyRunConfig(path: "unused")
        base.training.semanticIDs = tmp.file("ids.tsv").path
        let plan = try ExperimentPlan(title: "test", base: base, variants: [
            ExperimentVariant(name: "uns", label: "UNS") { $0 },
            ExperimentVariant(name: "esans", label: "ESANS") { c in var c = c; c.training.sampler = .esans; return c },
        ], seeds: [1, 2], baseline: "uns")
        let fake = FakeTrainer()
        var checked: [UInt64] = []
        struct Unusable: Error {}
        let out = tmp.file("experiment")
        let refusing = ExperimentRunner(plan: plan, output: out, train: fake.train) { config in
            checked.append(config.training.seed)
            throw Unusable()
        }
        #expect(throws: Unusable.self) { try refusing.runAll() }
        #expect(fake.calls.isEmpty, "no run is trained")
        #expect(checked == [1], "one check per file, on the first ESANS run")
        #expect(!FileManager.default.fileExists(atPath: out.path), "nothing is written")

        checked = []
        let accepting = ExperimentRunner(plan: plan, output: out, train: fake.train) { checked.append($0.training.seed) }
        _ = try accepting.runAll()
        #expect(fake.calls.count == 4 && checked == [1])
        // Every run finished: nothing left to check.
        checked = []
        _ = try accepting.runAll()
        #expect(checked.isEmpty)
    }
}
