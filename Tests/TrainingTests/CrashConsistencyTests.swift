import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
@testable import Training

/// A run stopped right after any of its writes (what SIGKILL at that instant leaves) resumes to
/// exactly the result of an uninterrupted run: scripts/crash-harness.py does this with real
/// SIGKILLs at random moments; these tests go through every write point of a small run.
@Suite struct CrashConsistencyTests {
    static let timingKeys: Set<String> = ["train_seconds", "eval_seconds", "train_seconds_total", "median_epoch_seconds", "refit_seconds_total"]

    /// Validation, best weights, plateau drops, a refit and the export: every file a run writes.
    static func config(data: URL) -> RunConfig {
        var c = RunIntegrityTests.config(data: data, seed: 11, epochs: 4, validation: 0.2)
        c.training.lrSchedule = .plateau
        c.training.plateauPatience = 1
        return c
    }

    /// The deterministic content of a finished run: metrics (without timings), the exported
    /// vectors and the final model's tensors, all as bits. `info` includes the thread count of
    /// the process's worker pool: a suite that resized it while this test ran made every run
    /// after that moment differ from the reference in `threads` alone (issue 15, fixed in the
    /// Experiments tests' configuration; see ProcessPoolTests and ThreadCountCLITests).
    struct Outcome: Equatable {
        var epochs: [[String: Double]]
        var final: [String: Double]
        var info: [String: String]
        var users: [UInt32], items: [UInt32]
        var finalModel: [String: [UInt32]]
        var perUser: [String: [UInt32]]

        init(_ dir: URL) throws {
            let log = try MetricsLog.read(from: dir.appendingPathComponent(RunFiles.metrics))
            let drop: ([String: Double]) -> [String: Double] = { $0.filter { !CrashConsistencyTests.timingKeys.contains($0.key) } }
            epochs = log.epochs.map(drop)
            final = drop(try #require(log.final))
            info = log.info
            users = bits(try NPY.readMatrix(from: dir.appendingPathComponent("embeddings/user_embeddings.npy")))
            items = bits(try NPY.readMatrix(from: dir.appendingPathComponent("embeddings/item_embeddings.npy")))
            let f = try SafeTensorsFile.read(from: dir.appendingPathComponent(RunFiles.finalModel))
            // F32 tensors as bits; the I32 ones (a feature table's flags) as their values.
            finalModel = try Dictionary(uniqueKeysWithValues: f.names.map { name in
                (name, try (try? bits(f.matrix(name))) ?? f.int32s(name).map { UInt32(bitPattern: $0) })
            })
            let p = try PerUserMetrics.read(from: dir.appendingPathComponent(RunFiles.perUserTest))
            perUser = p.values.mapValues { $0.map(\.bitPattern) }
        }

        /// What differs from `other`, for a failure message: the parts, and for metrics and
        /// `info` the keys whose values differ (with both values for `info`).
        func differences(from other: Outcome) -> String {
            func keys<V: Equatable>(_ a: [String: V], _ b: [String: V]) -> [String] {
                Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
            }
            var parts: [String] = []
            if epochs != other.epochs {
                let differing = zip(epochs, other.epochs).enumerated().filter { $0.element.0 != $0.element.1 }
                    .map { "epoch \($0.offset + 1): \(keys($0.element.0, $0.element.1).joined(separator: ","))" }
                parts.append("epochs (\(epochs.count) vs \(other.epochs.count)\(differing.isEmpty ? "" : "; " + differing.joined(separator: "; ")))")
            }
            if final != other.final { parts.append("final (\(keys(final, other.final).joined(separator: ",")))") }
            if info != other.info {
                parts.append("info (" + keys(info, other.info).map { "\($0): \(info[$0] ?? "-") vs \(other.info[$0] ?? "-")" }.joined(separator: ", ") + ")")
            }
            if users != other.users { parts.append("user embeddings") }
            if items != other.items { parts.append("item embeddings") }
            if finalModel != other.finalModel { parts.append("final model (\(keys(finalModel, other.finalModel).joined(separator: ",")))") }
            if perUser != other.perUser { parts.append("per-user test metrics") }
            return parts.isEmpty ? "nothing" : parts.joined(separator: "; ")
        }
    }

    /// Found by the harness: the checkpoint of an epoch was written before metrics.json, so a
    /// run killed between the two resumed after that epoch without its entry in the log (one
    /// epoch fewer in `epochs_trained`), and one killed that way in its first epoch could not
    /// resume at all (no metrics.json). Now the log goes first.
    @Test func aRunStoppedAfterAnyWriteResumesToTheUninterruptedResult() throws {
        let tmp = TempDir()
        let data = tmp.file("data")
        try writeLightGCN(tinyDataset(), to: data)
        let config = Self.config(data: data)
        let counter = CommitCounter()
        try counter.run { try RunIntegrityTests.train(config, in: tmp.file("reference")) }
        let reference = try Outcome(tmp.file("reference"))
        #expect(reference.final["lr_drops"] ?? 0 > 0, "the plateau schedule should drop the learning rate at least once")
        let names = counter.committed.map(\.lastPathComponent)
        for name in [RunFiles.config, RunFiles.metrics, RunFiles.checkpoint, RunFiles.best, RunFiles.refit, RunFiles.finalModel,
                     RunFiles.perUserTest, "user_embeddings.npy", "item_ids.tsv"] {
            #expect(names.contains(name), "the run writes \(name)")
        }
        for k in 1...names.count {
            let dir = tmp.file("stopped-\(k)")
            let finished = try CommitCounter(crashAfter: k).run { try RunIntegrityTests.train(config, in: dir) }
            #expect(!finished)
            // Nothing half-written is ever read back, and the resumed run ends where the reference did.
            try RunIntegrityTests.train(config, in: dir, resume: true)
            let resumed = try Outcome(dir)
            #expect(resumed == reference, "stopped after write \(k) (\(names[k - 1])): differs in \(resumed.differences(from: reference))")
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// A directory left by an esans that wrote the checkpoint first and was killed before the
    /// log: resuming it would lose an epoch's entry, so it is refused, naming the file.
    @Test func aCheckpointAheadOfTheLogIsRefused() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), run = tmp.file("run")
        try writeLightGCN(tinyDataset(), to: data)
        let config = RunIntegrityTests.config(data: data, epochs: 2)
        try RunIntegrityTests.train(config, in: run)
        var log = try MetricsLog.read(from: run.appendingPathComponent(RunFiles.metrics))
        log.epochs = Array(log.epochs.prefix(1))
        log.final = nil
        try log.write(to: run.appendingPathComponent(RunFiles.metrics))
        let message = RunIntegrityTests.refusal { try RunIntegrityTests.train(config, in: run, resume: true) }
        #expect(message.contains(RunFiles.metrics) && message.contains("1 epoch entries") && message.contains("at epoch 2"), "\(message)")
    }

    /// Temporary files of writes a killed run never finished are removed when it resumes.
    @Test func resumingRemovesTheTemporaryFilesOfKilledWrites() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), run = tmp.file("run")
        try writeLightGCN(tinyDataset(), to: data)
        let config = RunIntegrityTests.config(data: data, epochs: 2)
        try CommitCounter(crashAfter: 4).run { try RunIntegrityTests.train(config, in: run) }
        let stale = [run.appendingPathComponent(".model.safetensors.tmp-99999999-1"),
                     run.appendingPathComponent("embeddings", isDirectory: true).appendingPathComponent(".item_embeddings.npy.tmp-99999999-2")]
        try FileManager.default.createDirectory(at: stale[1].deletingLastPathComponent(), withIntermediateDirectories: true)
        for url in stale { try Data("partial".utf8).write(to: url) }
        let notes = try RunIntegrityTests.train(config, in: run, resume: true)
        for url in stale { #expect(!FileManager.default.fileExists(atPath: url.path), "\(url.lastPathComponent)") }
        #expect(notes.contains { $0.contains("removed 2 temporary file(s)") }, "\(notes)")
    }
}
