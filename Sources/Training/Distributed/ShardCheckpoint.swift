import Foundation
import NumCore
import Models
import Runs

/// The checkpoint of a distributed run: one safetensors file per virtual shard and epoch
/// (`shards/e0003-v05.safetensors`: the shard's user and item rows with their Adam moments and
/// row steps), written by the rank holding the shard, and `shards/manifest.json`, written
/// last by rank 0, which commits an epoch: the epoch, the optimiser step, the number of
/// virtual shards and the run's settings. Every write is atomic (temp + rename), and a shard
/// file carries its epoch in its name, so a run killed while writing epoch e+1 still finds
/// every file of epoch e. A resumed run, with the same or another number of ranks, loads the
/// shards it now holds.
public enum ShardCheckpoint {
    /// The folder of a run directory holding the shard files and the manifest.
    public static let folder = "shards"
    /// The manifest's file name.
    public static let manifestName = "manifest.json"

    /// What commits an epoch's shard files.
    public struct Manifest: Codable, Sendable {
        /// Epochs trained (1-based epoch of the files).
        public var epoch: Int
        /// Optimiser steps taken.
        public var step: Int
        /// Virtual shards of the run (fixed for its life).
        public var virtualShards: Int
        /// Ranks that wrote the files (informational: any divisor of ``virtualShards`` resumes).
        public var ranks: Int
        /// ``Datasets/Dataset/fingerprint`` of the run's data.
        public var dataFingerprint: String
        /// The shard files of the epoch, by virtual shard.
        public var files: [String]
    }

    /// The file of virtual shard `v` at `epoch`.
    public static func fileName(epoch: Int, shard v: Int) -> String { String(format: "e%04d-v%03d.safetensors", epoch, v) }

    /// Writes the shards this rank holds, at `epoch`, into `run/shards/` (every rank).
    public static func writeShards(_ trainer: DistributedTrainer, epoch: Int, run: URL) throws {
        let dir = run.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for v in trainer.shards.owned {
            var file = SafeTensorsFile()
            for (prefix, table) in [("user", trainer.users), ("item", trainer.items)] {
                let p = table.parameter(ofShard: v)
                guard p.value.rows > 0 else { continue }
                file.add(name: prefix + ".value", matrix: p.value)
                file.add(name: prefix + ".adam_m", matrix: p.m)
                file.add(name: prefix + ".adam_v", matrix: p.v)
                file.add(name: prefix + ".row_step", int32: p.rowStep)
            }
            file.metadata = ["esans.virtual_shard": String(v), "esans.virtual_shards": String(trainer.shards.count),
                             "esans.epoch": String(epoch), "esans.step": String(trainer.optimizer.step)]
            try file.write(to: dir.appendingPathComponent(fileName(epoch: epoch, shard: v)))
        }
    }

    /// Commits `epoch` (rank 0, after every rank has written its shards).
    public static func writeManifest(_ trainer: DistributedTrainer, epoch: Int, run: URL) throws {
        let m = Manifest(epoch: epoch, step: trainer.optimizer.step, virtualShards: trainer.shards.count, ranks: trainer.comm.size,
                         dataFingerprint: trainer.dataFingerprint,
                         files: (0..<trainer.shards.count).map { fileName(epoch: epoch, shard: $0) })
        try AtomicFile.write(try JSONEncoder.sorted.encode(m), to: run.appendingPathComponent(folder).appendingPathComponent(manifestName))
    }

    /// The committed manifest of `run`, or nil when no epoch was committed.
    public static func readManifest(run: URL) throws -> Manifest? {
        let url = run.appendingPathComponent(folder).appendingPathComponent(manifestName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try JSONDecoder().decode(Manifest.self, from: try Data(contentsOf: url)) } catch {
            throw TensorIOError(file: url.path, problem: "not a shard manifest: \(error)")
        }
    }

    /// Loads the shards this rank holds from the files `manifest` commits, and the optimiser step.
    public static func load(into trainer: DistributedTrainer, manifest: Manifest, run: URL) throws {
        let dir = run.appendingPathComponent(folder)
        guard manifest.virtualShards == trainer.shards.count else {
            throw TensorIOError(file: dir.appendingPathComponent(manifestName).path,
                                problem: "was written with \(manifest.virtualShards) virtual shards, this run has \(trainer.shards.count)")
        }
        guard manifest.dataFingerprint == trainer.dataFingerprint else {
            throw TensorIOError(file: dir.appendingPathComponent(manifestName).path, problem: "was written for other data (fingerprint \(manifest.dataFingerprint))")
        }
        for v in trainer.shards.owned {
            let url = dir.appendingPathComponent(manifest.files[v])
            let file = try SafeTensorsFile.read(from: url)
            guard file.metadata["esans.virtual_shard"] == String(v), file.metadata["esans.epoch"] == String(manifest.epoch) else {
                throw TensorIOError(file: url.path, problem: "is not virtual shard \(v) of epoch \(manifest.epoch)")
            }
            for (prefix, table) in [("user", trainer.users), ("item", trainer.items)] {
                let p = table.parameter(ofShard: v)
                guard p.value.rows > 0 else { continue }
                for (name, target) in [("value", p.value), ("adam_m", p.m), ("adam_v", p.v)] {
                    let m = try file.matrix(prefix + "." + name)
                    guard m.rows == target.rows, m.cols == target.cols else {
                        throw TensorIOError(file: url.path, problem: "tensor '\(prefix).\(name)' is \(m.rows)x\(m.cols), expected \(target.rows)x\(target.cols)")
                    }
                    target.data.update(from: m.data, count: m.count)
                }
                let steps = try file.int32s(prefix + ".row_step")
                guard steps.count == p.rowStep.count else { throw TensorIOError(file: url.path, problem: "tensor '\(prefix).row_step' has \(steps.count) rows, expected \(p.rowStep.count)") }
                p.rowStep = steps
            }
        }
        trainer.optimizer.restore(step: manifest.step)
    }

    /// Removes this rank's shard files of epochs other than `epoch` (after `epoch` is committed).
    public static func removeStale(_ trainer: DistributedTrainer, keeping epoch: Int, run: URL) {
        let dir = run.appendingPathComponent(folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        let mine = trainer.shards.owned.map { String(format: "-v%03d.safetensors", $0) }
        let keep = String(format: "e%04d-", epoch)
        for name in names where name.hasPrefix("e") && !name.hasPrefix(keep) && mine.contains(where: { name.hasSuffix($0) }) {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
        }
    }
}
