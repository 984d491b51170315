import Foundation
import Testing
import NumCore
import TestSupport

/// A run's numbers do not depend on the kernel thread count: the same `esans train` with
/// `--threads 1` and `--threads 3` ends with the same metrics, tensors and exported vectors, bit
/// for bit; only the thread count recorded in metrics.json (and the settings in config.json and
/// the model files' metadata) differs. Work is split over threads so that every output element
/// is computed in one fixed order (``NumCore/WorkerPool``); this holds the whole run to it,
/// validation, plateau drops, refit and export included.
///
/// In separate processes on purpose: a run with `--threads` resizes its process's worker pool,
/// so in-process tests of other thread counts would resize it under the runs of the suites
/// going on at the same moment (issue 15).
@Suite(.serialized) struct ThreadCountCLITests {
    /// A small LightGCN data set with some structure (each user's items come from one of five
    /// groups), so that validation Recall moves and the plateau schedule drops.
    static func writeData(to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var train = "", test = ""
        for u in 0..<60 {
            let group = u % 5
            let items = (0..<9).map { group * 10 + (u * 3 + $0 * 7) % 10 }
            train += "\(u) " + items.prefix(8).map(String.init).joined(separator: " ") + "\n"
            test += "\(u) \(items[8])\n"
        }
        try train.write(to: dir.appendingPathComponent("train.txt"), atomically: true, encoding: .utf8)
        try test.write(to: dir.appendingPathComponent("test.txt"), atomically: true, encoding: .utf8)
    }

    /// metrics.json without timings: epochs, final and the run's info (its thread count taken out and returned apart).
    static func metrics(_ run: URL) throws -> (epochs: [[String: Double]], final: [String: Double], info: [String: String], threads: String?) {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("metrics.json"))) as? [String: Any])
        let untimed: ([String: Double]) -> [String: Double] = { $0.filter { !$0.key.contains("seconds") } }
        var info = json["run"] as? [String: String] ?? [:]
        let threads = info.removeValue(forKey: "threads")
        return ((json["epochs"] as? [[String: Double]] ?? []).map(untimed), untimed(json["final"] as? [String: Double] ?? [:]), info, threads)
    }

    /// Every tensor of a safetensors file as bits (F32) or values (I32), by name.
    static func tensors(_ url: URL) throws -> [String: [UInt32]] {
        let f = try SafeTensorsFile.read(from: url)
        return try Dictionary(uniqueKeysWithValues: f.names.map { name in
            (name, try (try? bits(f.matrix(name))) ?? f.int32s(name).map { UInt32(bitPattern: $0) })
        })
    }

    @Test func aRunEndsBitIdenticalOnOneThreadAndOnThree() throws {
        let tmp = TempDir()
        let data = tmp.file("data")
        try Self.writeData(to: data)
        let runs = [1, 3].map { tmp.file("threads-\($0)") }
        for (threads, run) in zip([1, 3], runs) {
            let r = try CLI.run(["train", "--data", data.path, "--epochs", "5", "--dim", "8", "--negatives", "16", "--batch-size", "32",
                                 "--validation", "0.2", "--lr-schedule", "plateau", "--plateau-patience", "1", "--eval-every", "1",
                                 "--seed", "11", "--threads", String(threads), "--output", run.path])
            #expect(r.code == 0, "\(r.err)")
        }
        let one = try Self.metrics(runs[0]), three = try Self.metrics(runs[1])
        #expect(one.threads == "1" && three.threads == "3", "\(one.threads ?? "-") \(three.threads ?? "-")")
        #expect(one.epochs == three.epochs)
        #expect(one.final == three.final)
        #expect(one.info == three.info && one.info["sampler"] != nil, "\(one.info) \(three.info)")
        #expect(one.final["lr_drops"] ?? 0 > 0 && one.final["refit_epochs"] ?? 0 > 0, "the run should drop its learning rate and refit: \(one.final)")
        for name in ["model.safetensors", "best.safetensors", "refit.safetensors", "final.safetensors", "per_user_test.safetensors"] {
            let a = try Self.tensors(runs[0].appendingPathComponent(name)), b = try Self.tensors(runs[1].appendingPathComponent(name))
            #expect(!a.isEmpty && a == b, "\(name)")
        }
        for name in ["user_embeddings.npy", "item_embeddings.npy", "user_ids.tsv", "item_ids.tsv"] {
            let a = try Data(contentsOf: runs[0].appendingPathComponent("embeddings/" + name))
            let b = try Data(contentsOf: runs[1].appendingPathComponent("embeddings/" + name))
            #expect(!a.isEmpty && a == b, "\(name)")
        }
    }
}
