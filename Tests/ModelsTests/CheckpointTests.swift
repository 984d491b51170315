import TestSupport
import Foundation
import Testing
import NumCore
@testable import Models

@Suite struct CheckpointTests {
    /// A small model with every kind of parameter (sparse tables, a shared history table, an
    /// MLP) after a few optimiser steps, so the moments and row steps are non-trivial.
    private func trainedModel() -> (TwoTowerModel, AdamOptimizer) {
        var config = ModelConfig()
        config.dim = 4
        config.user = TowerConfig(history: true, historyMaxLength: 3)
        config.item = TowerConfig(hidden: [3])
        let model = TwoTowerModel(config: config, numUsers: 5, numItems: 7, seed: 77)
        var c = AdamOptimizer.Config()
        c.learningRate = 0.01
        c.weightDecay = 0.01
        let opt = AdamOptimizer(config: c)
        var rng = RandomSource(seed: 78)
        for step in 0..<3 {
            for p in model.parameters {
                if p.sparse {
                    // Different rows each step, some never.
                    for r in stride(from: step % 2, to: p.value.rows - 1, by: 2) {
                        p.touch(Int32(r))
                        for j in 0..<p.value.cols { p.grad[r, j] = rng.normal() }
                    }
                } else {
                    for i in 0..<p.grad.count { p.grad.data[i] = rng.normal() }
                }
            }
            opt.update(model.parameters)
        }
        return (model, opt)
    }

    @Test func roundTripRestoresEverythingBitwise() throws {
        let dir = TempDir()
        let url = dir.file("model.safetensors")
        let (model, opt) = trainedModel()
        try Checkpoint.save(model: model, optimizer: opt, metadata: ["esans.epoch": "2", "note": "hello"], to: url)

        let restoredOpt = AdamOptimizer(config: opt.config)
        let (loaded, header) = try Checkpoint.load(from: url, optimizer: restoredOpt)
        #expect(header.config == model.config)
        #expect(header.numUsers == 5 && header.numItems == 7)
        #expect(header.step == 3 && restoredOpt.step == 3)
        #expect(header.metadata["note"] == "hello" && header.metadata["esans.epoch"] == "2")
        #expect(header.metadata["esans.format"] == Checkpoint.formatVersion)
        #expect(loaded.parameters.map(\.name) == model.parameters.map(\.name))
        var sawRowSteps = false
        for (p, q) in zip(model.parameters, loaded.parameters) {
            #expect(bits(p.value) == bits(q.value), "\(p.name) value")
            #expect(bits(p.m) == bits(q.m), "\(p.name) m")
            #expect(bits(p.v) == bits(q.v), "\(p.name) v")
            #expect(p.rowStep == q.rowStep, "\(p.name) row steps")
            if p.sparse && Set(p.rowStep).count > 1 { sawRowSteps = true }
        }
        #expect(sawRowSteps, "the fixture should have rows updated at different steps")
        #expect(model.parameters.contains { $0.m.array.contains { $0 != 0 } })

        // The next step from the loaded state is the same as from the original.
        for (p, q) in zip(model.parameters, loaded.parameters) {
            for r in 0..<min(2, p.value.rows) {
                if p.sparse { p.touch(Int32(r)); q.touch(Int32(r)) }
                for j in 0..<p.value.cols { p.grad[r, j] = 0.5; q.grad[r, j] = 0.5 }
            }
        }
        opt.update(model.parameters)
        restoredOpt.update(loaded.parameters)
        for (p, q) in zip(model.parameters, loaded.parameters) {
            #expect(bits(p.value) == bits(q.value), "\(p.name) value after one more step")
        }
    }

    @Test func loadWithoutOptimizerKeepsModelOnly() throws {
        let dir = TempDir()
        let url = dir.file("weights.safetensors")
        let (model, _) = trainedModel()
        try Checkpoint.save(model: model, optimizer: nil, metadata: [:], to: url)
        let file = try SafeTensorsFile.read(from: url)
        #expect(!file.names.contains { $0.hasPrefix("adam.") })
        #expect(file.metadata["esans.step"] == nil)
        let (loaded, header) = try Checkpoint.load(from: url)
        #expect(header.step == 0)
        for (p, q) in zip(model.parameters, loaded.parameters) { #expect(bits(p.value) == bits(q.value)) }
    }

    @Test func truncatedFileThrowsNamingTheFile() throws {
        let dir = TempDir()
        let url = dir.file("cut-in-half.safetensors")
        let (model, opt) = trainedModel()
        try Checkpoint.save(model: model, optimizer: opt, metadata: [:], to: url)
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        do {
            _ = try Checkpoint.load(from: url, optimizer: AdamOptimizer(config: opt.config))
            Issue.record("loading a truncated checkpoint must throw")
        } catch {
            #expect("\(error)".contains("cut-in-half.safetensors"), "error does not name the file: \(error)")
        }
    }

    @Test func wrongShapeThrowsNamingFileAndTensor() throws {
        let dir = TempDir()
        let good = dir.file("good.safetensors"), bad = dir.file("bad-shape.safetensors")
        let (model, opt) = trainedModel()
        try Checkpoint.save(model: model, optimizer: opt, metadata: [:], to: good)
        let original = try SafeTensorsFile.read(from: good)
        var forged = SafeTensorsFile()
        forged.metadata = original.metadata
        for name in original.names {
            if original.dtype(of: name) == "I32" {
                forged.add(name: name, int32: try original.int32s(name))
            } else if name == "item.embedding" {
                let m = try original.matrix(name)
                forged.add(name: name, matrix: Matrix(rows: m.rows + 1, cols: m.cols))
            } else {
                forged.add(name: name, matrix: try original.matrix(name))
            }
        }
        try forged.write(to: bad)
        do {
            _ = try Checkpoint.load(from: bad, optimizer: AdamOptimizer(config: opt.config))
            Issue.record("loading a tensor of the wrong shape must throw")
        } catch {
            let text = "\(error)"
            #expect(text.contains("bad-shape.safetensors") && text.contains("item.embedding"), "\(text)")
        }
        // The untouched copy still loads.
        _ = try Checkpoint.load(from: good, optimizer: AdamOptimizer(config: opt.config))
    }

    @Test func missingMetadataThrows() throws {
        let dir = TempDir()
        let url = dir.file("plain.safetensors")
        var file = SafeTensorsFile()
        file.add(name: "x", matrix: Matrix(rows: 1, cols: 1))
        try file.write(to: url)
        #expect(throws: TensorIOError.self) { _ = try Checkpoint.load(from: url) }
    }

    @Test func failedSaveLeavesNoFile() throws {
        let dir = TempDir()
        let (model, opt) = trainedModel()
        // The parent directory does not exist.
        let missing = dir.url.appendingPathComponent("no-such-dir").appendingPathComponent("model.safetensors")
        #expect(throws: (any Error).self) { try Checkpoint.save(model: model, optimizer: opt, metadata: [:], to: missing) }
        #expect(!FileManager.default.fileExists(atPath: missing.path))
        // The destination is a directory: the rename fails, and no temporary file is left.
        let blocked = dir.file("taken")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)
        #expect(throws: (any Error).self) { try Checkpoint.save(model: model, optimizer: opt, metadata: [:], to: blocked) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(leftovers == ["taken"], "left behind: \(leftovers)")
    }

    /// Found by scripts/crash-harness.py: two identical runs wrote checkpoints whose
    /// `esans.model_config` listed the keys in another order (a plain `JSONEncoder` follows the
    /// per-process hash seed), so their bytes differed. The keys are sorted now.
    @Test func modelConfigMetadataHasSortedKeys() throws {
        let dir = TempDir()
        let url = dir.file("model.safetensors")
        let (model, opt) = trainedModel()
        try Checkpoint.save(model: model, optimizer: opt, metadata: [:], to: url)
        let written = try #require(try SafeTensorsFile.read(from: url).metadata["esans.model_config"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let canonical = String(decoding: try encoder.encode(try JSONDecoder().decode(ModelConfig.self, from: Data(written.utf8))), as: UTF8.self)
        #expect(written == canonical)
        #expect(written.hasPrefix("{\"dim\":4,"))
    }
}
