import Foundation
import Testing
import TestSupport

/// Issue 16, "first contact: no silent guesses", as a user meets it on the command line: CSV
/// columns are never guessed, `index build` measures its recall and `serve` reports it, and
/// `train --config` reads a settings file strictly, the options given overriding it.
@Suite(.serialized) struct FirstContactCLITests {
    /// A CSV whose header names no user or item column: `data info` and `train` fail with the
    /// header's columns and the options, and `train` writes nothing; the options read it.
    @Test func unnamedCSVColumnsAreRefusedNotGuessed() throws {
        let tmp = TempDir()
        let rows = (0..<40).map { "u\($0 % 8),i\($0 % 13),\($0 % 5 + 1),\($0)" }.joined(separator: "\n")
        let csv = tmp.write("log.csv", "customer,product,stars,when\n" + rows + "\n")
        let info = try CLI.run(["data", "info", "--data", csv])
        #expect(info.code != 0, "\(info.out)")
        #expect(info.err.contains("log.csv:1: no column for the user id or the item id: the header has 'customer', 'product', 'stars', 'when'")
                && info.err.contains("--user-column") && info.err.contains("--item-column"), "\(info.err)")
        let out = tmp.file("run")
        let train = try CLI.run(["train", "--data", csv, "--epochs", "1", "--dim", "8", "--output", out.path])
        #expect(train.code != 0 && train.err.contains("no column for the user id"), "\(train.err)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "a refused load writes nothing")
        // No item column: the rating no longer becomes the item id.
        let noItem = tmp.write("noitem.csv", "user,rating,ts\n" + (0..<20).map { "u\($0 % 4),\($0 % 5 + 1),\($0)" }.joined(separator: "\n") + "\n")
        let refused = try CLI.run(["data", "info", "--data", noItem])
        #expect(refused.code != 0 && refused.err.contains("no column for the item id: the header has 'user', 'rating', 'ts'"), "\(refused.err)")
        // The explicit mapping reads the first file.
        let mapped = try CLI.run(["data", "info", "--data", csv, "--user-column", "customer", "--item-column", "product", "--time-column", "when"])
        #expect(mapped.code == 0, "\(mapped.err)")
        #expect(mapped.out.contains("columns: user 0 (customer), item 1 (product), timestamp 3 (when)"), "\(mapped.out)")
    }

    /// `index build` measures recall@K against exact search and records it; below --min-recall
    /// it refuses (nothing written) and names an nprobe that reaches it, unless
    /// --allow-low-recall; `serve` logs the index it uses and its recall.
    @Test func indexBuildMeasuresRecallAndServeReportsIt() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), run = tmp.file("run")
        try IntegrityCLITests.writeData(data)
        let trained = try CLI.run(["train", "--data", data.path, "--format", "lightgcn", "--epochs", "1", "--dim", "8", "--negatives", "16",
                                   "--validation", "0", "--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        let low = tmp.file("low")
        let build = ["index", "build", "--run", run.path, "--lists", "8", "--nprobe", "1", "--recall-k", "10"]
        let refused = try CLI.run(build + ["--output", low.path])
        #expect(refused.code != 0, "\(refused.out)")
        #expect(refused.out.contains("recall@10 ") && refused.out.contains("at nprobe 1 (30 users, seed 1), against exact search"), "\(refused.out)")
        #expect(refused.err.contains("is below --min-recall 0.9") && refused.err.contains("--allow-low-recall")
                && refused.err.contains("--nprobe "), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: low.path), "a refused index writes nothing")

        let forced = try CLI.run(build + ["--allow-low-recall", "--output", low.path])
        #expect(forced.code == 0 && forced.err.contains("warning: recall@10"), "\(forced.err)")
        let good = tmp.file("good")
        let built = try CLI.run(["index", "build", "--run", run.path, "--lists", "8", "--nprobe", "8", "--recall-k", "10", "--output", good.path])
        #expect(built.code == 0 && built.out.contains("recall@10 1.0000 at nprobe 8"), "\(built.out) \(built.err)")
        let meta = try String(decoding: Data(contentsOf: good.appendingPathComponent("ivf.safetensors")).prefix(4096), as: UTF8.self)
        #expect(meta.contains("\"recall\":\"1.000000\"") && meta.contains("\"recall_k\":\"10\""), "\(meta)")

        let served = try Self.serveLog(run: run, index: good)
        #expect(served.contains("\"index\":\"ivf\"") && served.contains("\"index_path\":\"\(good.path)\"")
                && served.contains("\"ivf_recall\":\"1.0000\"") && served.contains("\"ivf_recall_k\":\"10\""), "\(served)")
        let lowServed = try Self.serveLog(run: run, index: low)
        #expect(lowServed.contains("below 0.9") && lowServed.contains("\"level\":\"warning\""), "\(lowServed)")
    }

    /// `train --config FILE`: an earlier run's config.json is a settings file, the options
    /// given override it, and an unknown key or a bad value fails naming it, writing nothing.
    @Test func trainReadsASettingsFileAndOptionsOverrideIt() throws {
        let tmp = TempDir()
        let first = tmp.file("first"), second = tmp.file("second")
        let trained = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--negatives", "16", "--loss", "softmax",
                                   "--lr-schedule", "constant", "--validation", "0", "--seed", "3", "--output", first.path])
        #expect(trained.code == 0, "\(trained.err)")
        let again = try CLI.run(["train", "--config", first.appendingPathComponent("config.json").path, "--epochs", "2",
                                 "--lr-schedule", "cosine", "--output", second.path])
        #expect(again.code == 0, "\(again.err)")
        func settings(_ run: URL) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("config.json"))) as? [String: Any] ?? [:]
        }
        var a = try settings(first), b = try settings(second)
        var ta = a["training"] as? [String: Any] ?? [:], tb = b["training"] as? [String: Any] ?? [:]
        #expect(tb["epochs"] as? Int == 2 && tb["lrSchedule"] as? String == "cosine", "the options given win")
        #expect(tb["seed"] as? Int == 3 && tb["sharedNegatives"] as? Int == 16 && (tb["loss"] as? [String: Any])?["kind"] as? String == "softmax",
                "the file's values stay: \(tb)")
        // Apart from the two options, the second run's settings are the first's.
        for key in ["epochs", "lrSchedule"] { ta[key] = nil; tb[key] = nil }
        a["training"] = ta; b["training"] = tb
        #expect(NSDictionary(dictionary: a).isEqual(to: b), "\(a)\n\(b)")

        // An unknown key, an unknown value and a bad value: named, nothing written.
        for (text, expected) in [(#"{"data": {"path": "synthetic"}, "training": {"epoch": 3}}"#, ["training.epoch", "accepted in training:", "epochs"]),
                                 (#"{"data": {"path": "synthetic"}, "training": {"loss": {"kind": "hinge"}}}"#, ["training.loss.kind", "softmax, bsl"]),
                                 (#"{"data": {"path": "synthetic"}, "training": {"epochs": 0}}"#, ["--epochs (training.epochs) must be positive, got 0"])] {
            let file = tmp.write("settings.json", text)
            let out = tmp.file("bad")
            let refused = try CLI.run(["train", "--config", file, "--output", out.path])
            #expect(refused.code != 0, "\(text)")
            for e in expected { #expect(refused.err.contains(e), "\(text): \(refused.err)") }
            #expect(!FileManager.default.fileExists(atPath: out.path), "a refused settings file writes nothing")
        }
        // Without --config, --data is required as before, at parse time.
        let noData = try CLI.run(["train", "--epochs", "1", "--output", tmp.file("none").path])
        #expect(noData.code == 64 && noData.err.contains("--data") && noData.err.contains("Usage: esans train"), "\(noData.err)")
    }

    /// With a validation split, `compare` prints validation Recall@50 first: in each run's
    /// line and in the summary table (test metrics came first, the validation table last).
    @Test func compareLeadsWithValidation() throws {
        let tmp = TempDir()
        let out = tmp.file("cmp")
        let (code, stdout, err) = try CLI.run(["compare", "--data", "synthetic", "--samplers", "uns,pns", "--seeds", "1", "--epochs", "2",
                                               "--dim", "8", "--output", out.path])
        #expect(code == 0, "\(err)")
        let done = stdout.split(separator: "\n").filter { $0.contains("done in") }
        #expect(done.count == 2 && done.allSatisfy { $0.contains(", valid recall@50 ") && $0.contains(", test recall@50 ") }, "\(done)")
        let header = try #require(stdout.split(separator: "\n").first { $0.hasPrefix("variant") })
        let valid = try #require(header.range(of: "valid recall@50")), test = try #require(header.range(of: "  recall@50"))
        #expect(valid.lowerBound < test.lowerBound, "\(header)")
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.components(separatedBy: "### ").dropFirst().first?.hasPrefix("Validation") == true, "\(report.prefix(800))")
    }

    /// Starts `esans serve` on a free port, returns its standard error (JSON lines) up to the
    /// line that says it listens (the load and its warnings come before), then stops it with SIGTERM.
    static func serveLog(run: URL, index: URL) throws -> String {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["serve", "--run", run.path, "--index", index.path, "--port", "0", "--log-level", "info"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && p.isRunning {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if text.contains("\"message\":\"listening\"") { break }
        }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return text
    }
}
