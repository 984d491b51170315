import Foundation
import Testing
import TestSupport

/// `esans train --distributed` as one process (the reference of any rank count): what it
/// writes, how it resumes, and the settings it refuses (exit 64, before writing anything).
@Suite(.serialized) struct DistributedTrainCLITests {
    static let base = ["train", "--distributed", "--data", "synthetic", "--epochs", "2", "--dim", "8", "--validation", "0",
                       "--batch-size", "512", "--threads", "1", "--seed", "4"]

    @Test func trainsResumesAndLeavesARunEvaluateReads() throws {
        let tmp = TempDir()
        let run = tmp.file("run")
        let trained = try CLI.run(Self.base + ["--virtual-shards", "2", "--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        #expect(trained.out.contains("2 virtual shards") && trained.out.contains("all-to-all"), "\(trained.out)")
        let config = try String(contentsOf: run.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"virtualShards\" : 2"))
        let manifest = try String(contentsOf: run.appendingPathComponent("shards/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"epoch\" : 2"))
        let out = tmp.file("m.json")
        let evaluated = try CLI.run(["evaluate", "--run", run.path, "--output", out.path])
        #expect(evaluated.code == 0, "\(evaluated.err)")
        let final = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("metrics.json"))) as? [String: Any]
        let reread = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any]
        let a = (final?["final"] as? [String: Double])?["recall@20"], b = (reread?["final"] as? [String: Double])?["recall@20"]
        #expect(a != nil && a == b, "train's final recall@20 \(String(describing: a)), evaluate's \(String(describing: b))")
        // A finished run resumed trains nothing more; without --distributed it is refused.
        let resumed = try CLI.run(["train", "--distributed", "--resume", "--output", run.path])
        #expect(resumed.code == 0 && resumed.out.contains("resuming after epoch 2"), "\(resumed.out)\(resumed.err)")
        let plain = try CLI.run(["train", "--resume", "--output", run.path])
        #expect(plain.code == 64 && plain.err.contains("add --distributed"), "\(plain.err)")
    }

    @Test func refusesWhatItDoesNotSupport() throws {
        let tmp = TempDir()
        let cases: [([String], String)] = [
            (["--validation", "0.1"], "--validation 0"),
            (["--hidden", "16"], "ID-only"),
            (["--sampler", "dns"], "scores candidates"),
            (["--sampler", "esans"], "--semantic-ids"),
            (["--virtual-shards", "0"], "at least 1"),
        ]
        for (extra, message) in cases {
            let r = try CLI.run(Self.base + extra + ["--output", tmp.file("run").path])
            #expect(r.code == 64 && r.err.contains(message) && r.err.contains("Usage: esans train"), "\(extra): \(r.err)")
            #expect(!FileManager.default.fileExists(atPath: tmp.file("run").path))
        }
        let stray = try CLI.run(["train", "--data", "synthetic", "--virtual-shards", "4", "--output", tmp.file("run").path])
        #expect(stray.code == 64 && stray.err.contains("--distributed"), "\(stray.err)")
        // Launched as one of 2 ranks, --distributed joins the job (here: no libmpi to load)
        // where a plain train refuses to start.
        let two = RanksCLITests.environment(["OMPI_COMM_WORLD_SIZE": "2", "ESANS_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
        let ranked = try CLI.run(Self.base + ["--output", tmp.file("run").path], environment: two)
        #expect(ranked.code == 64 && ranked.err.contains("launched as one of 2 MPI ranks") && !ranked.err.contains("runs in one process"), "\(ranked.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("run").path))
    }
}
