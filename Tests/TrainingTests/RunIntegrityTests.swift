import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
@testable import Training

/// `--resume` refuses a checkpoint that is damaged, or was built from other data, other
/// settings or other semantic IDs than the run it would continue; a checkpoint from before
/// checksums and provenance still resumes, with notes.
@Suite struct RunIntegrityTests {
    static func config(data: URL, seed: UInt64 = 5, epochs: Int = 2, validation: Double = 0) -> RunConfig {
        var t = TrainConfig()
        t.epochs = epochs; t.batchSize = 32; t.sharedNegatives = 16; t.evalEvery = 1; t.seed = seed
        t.loss = LossConfig(kind: .softmax)
        t.validationFraction = validation
        var m = ModelConfig()
        m.dim = 8
        return RunConfig(data: .init(path: data.path), model: m, training: t, optimizer: AdamOptimizer.Config())
    }

    /// Runs `config` to the end in `dir` and returns the run's notes.
    @discardableResult
    static func train(_ config: RunConfig, in dir: URL, resume: Bool = false) throws -> [String] {
        var notes: [String] = []
        try TrainingRun(directory: dir, config: config) { if case .note(let n) = $0 { notes.append(n) } }.run(resume: resume)
        return notes
    }

    /// The message of the error `body` throws (or a test failure when it throws none).
    static func refusal(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do { try body() } catch { return "\(error)" }
        Issue.record("not refused", sourceLocation: sourceLocation)
        return ""
    }

    @Test func checkpointsRecordTheirDataAndSettings() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), run = tmp.file("run")
        let dataset = tinyDataset()
        try writeLightGCN(dataset, to: data)
        let config = Self.config(data: data, validation: 0.2)
        try Self.train(config, in: run)
        let loaded = try config.loadDataset()
        // Carving validation out of train leaves the fingerprint as it is.
        var plain = config
        plain.training.validationFraction = 0
        #expect(try plain.loadDataset().fingerprint == loaded.fingerprint)
        for name in [RunFiles.checkpoint, RunFiles.best, RunFiles.refit, RunFiles.finalModel] {
            let (_, header) = try Checkpoint.load(from: run.appendingPathComponent(name))
            #expect(header.checksummed, "\(name)")
            #expect(header.metadata[RunProvenance.dataKey] == loaded.fingerprint, "\(name)")
            #expect(try RunProvenance(config: config, dataFingerprint: loaded.fingerprint).check(header.metadata, file: run) == nil, "\(name)")
        }
    }

    @Test func resumeRefusesOtherDataOtherSettingsAndDamage() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), run = tmp.file("run"), other = tmp.file("other")
        try writeLightGCN(tinyDataset(), to: data)
        let config = Self.config(data: data)
        try Self.train(config, in: run)
        let model = run.appendingPathComponent(RunFiles.checkpoint)
        let original = try Data(contentsOf: model)

        // Damaged: refused, naming the file.
        var bytes = original
        bytes[bytes.count - 5] ^= 0x04
        try bytes.write(to: model)
        let damaged = Self.refusal { try Self.train(config, in: run, resume: true) }
        #expect(damaged.contains(model.path) && damaged.contains("payload checksum mismatch"), "\(damaged)")

        // A checkpoint of another run (other settings) copied in: refused, naming the setting.
        var seed6 = config
        seed6.training.seed = 6
        try Self.train(seed6, in: other)
        try FileManager.default.removeItem(at: model)
        try FileManager.default.copyItem(at: other.appendingPathComponent(RunFiles.checkpoint), to: model)
        let otherRun = Self.refusal { try Self.train(config, in: run, resume: true) }
        #expect(otherRun.contains(model.path) && otherRun.contains("other settings") && otherRun.contains("training.seed"), "\(otherRun)")

        // The data changed under the same path: refused with both fingerprints.
        try original.write(to: model)
        let before = try config.loadDataset().fingerprint
        let trainFile = data.appendingPathComponent("train.txt")
        var lines = try String(contentsOf: trainFile, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[0] += " 49"
        try (lines.joined(separator: "\n") + "\n").write(to: trainFile, atomically: true, encoding: .utf8)
        let after = try config.loadDataset().fingerprint
        #expect(after != before)
        let otherData = Self.refusal { try Self.train(config, in: run, resume: true) }
        #expect(otherData.contains("\(model.path): was built from a different dataset (fingerprint \(before), this data \(after))"), "\(otherData)")
    }

    /// A checkpoint from before checksums and provenance resumes, with a note for each.
    @Test func oldCheckpointsStillResume() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), run = tmp.file("run")
        try writeLightGCN(tinyDataset(), to: data)
        let config = Self.config(data: data)
        try Self.train(config, in: run)
        let model = run.appendingPathComponent(RunFiles.checkpoint)
        // As an older esans wrote it: no checksums, no provenance.
        let opt = AdamOptimizer(config: config.optimizer)
        let (m, header) = try Checkpoint.load(from: model, optimizer: opt)
        var meta = header.metadata
        meta[RunProvenance.dataKey] = nil
        try Checkpoint.save(model: m, optimizer: opt, metadata: meta, to: model)
        try withoutChecksums(try Data(contentsOf: model)).write(to: model)
        let notes = try Self.train(config, in: run, resume: true)
        #expect(notes.contains { $0.contains(model.path) && $0.contains("no checksum") }, "\(notes)")
        #expect(notes.contains { $0.contains(model.path) && $0.contains("no data fingerprint") }, "\(notes)")
    }

    /// An ESANS run records its semantic IDs' checksums; rebuilt IDs refuse the resume.
    @Test func resumeRefusesChangedSemanticIDs() throws {
        let tmp = TempDir()
        var config = try ClusterRefreshTests.setUp(tmp)
        config.training.epochs = 2
        config.training.refreshClusters = 0
        let run = tmp.url.appendingPathComponent("run")
        try Self.train(config, in: run)
        let ids = URL(fileURLWithPath: try #require(config.training.semanticIDs))
        #expect(try Checkpoint.load(from: run.appendingPathComponent(RunFiles.checkpoint)).header.metadata[RunProvenance.inputsKey]?.contains(ids.path) == true)
        // Resuming with the same files is fine.
        try Self.train(config, in: run, resume: true)
        // The IDs rewritten (two items swap codes), with a matching checksum file.
        var lines = try String(contentsOf: ids, encoding: .utf8).split(separator: "\n").map(String.init)
        let a = lines[1].split(separator: "\t"), b = lines.dropFirst().first { $0.split(separator: "\t")[1] != a[1] }!.split(separator: "\t")
        lines[1] = "\(a[0])\t\(b[1])\t\(b[2])"
        let text = lines.joined(separator: "\n") + "\n"
        try ChecksumSidecar.write(Data(text.utf8), to: ids)
        let changed = Self.refusal { try Self.train(config, in: run, resume: true) }
        #expect(changed.contains("input files changed") && changed.contains(ids.path), "\(changed)")
    }
}
