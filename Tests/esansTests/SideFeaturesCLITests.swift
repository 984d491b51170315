import Foundation
import Testing
import NumCore
import TestSupport

/// `esans train --item-features F --cold-items X`, as a user meets it: the console names the
/// cold-item metrics, `evaluate` finds the same ones, `recommend` can return items without
/// training interactions, `--resume` keeps working, and a bad file is refused by name.
@Suite(.serialized) struct SideFeaturesCLITests {
    @Test func trainEvaluateRecommendAndResumeWithItemFeatures() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let ids = fixture.trainedItems + fixture.testOnlyItems + fixture.catalogueOnlyItems
        let m = Matrix(rows: ids.count, cols: 5)
        for (r, id) in ids.enumerated() { m[r, Int(id.dropFirst())! % 4] = 1; m[r, 4] = 0.3 }
        let npy = tmp.file("items.npy")
        try NPY.write(m, to: npy)
        try ids.joined(separator: "\n").write(to: tmp.file("items.npy.ids"), atomically: true, encoding: .utf8)
        let run = tmp.file("run")
        let common = ["--data", fixture.directory.path, "--format", "recbole", "--split", "time:0.8", "--cold-items", "0.25",
                      "--epochs", "2", "--dim", "8", "--negatives", "16", "--batch-size", "64", "--eval-every", "1",
                      "--item-features", npy.path, "--item-id-dropout", "0.2"]
        let trained = try CLI.run(["train"] + common + ["--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        #expect(trained.out.contains("cold items (test: items without training interactions, scored from their features)"), "\(trained.out)")
        #expect(trained.out.contains("ranked against the whole catalogue") && trained.out.contains("(cold_*)")
                && trained.out.contains("(coldonly_*)") && trained.out.contains("cold items (validation"), "\(trained.out)")
        let config = try String(contentsOf: run.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"checksum\"") && config.contains("items.npy") && config.contains("\"coldItems\" : 0.25"), "\(config)")

        let evaluated = try CLI.run(["evaluate", "--run", run.path, "--cutoffs", "20,50"])
        #expect(evaluated.code == 0 && evaluated.out.contains("(cold_*)") && evaluated.out.contains("(coldonly_*)"), "\(evaluated.out) \(evaluated.err)")
        // The same cold Recall@20 as the run reported.
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("metrics.json"))) as? [String: Any]
        let final = try #require(metrics?["final"] as? [String: Double])
        let recall = try #require(final["cold_recall@20"])
        #expect(evaluated.out.contains(String(format: "recall@20 %.4f", recall)), "\(evaluated.out) vs \(recall)")

        let recs = tmp.file("recs.tsv")
        let recommended = try CLI.run(["recommend", "--run", run.path, "--k", "200", "--output", recs.path])
        #expect(recommended.code == 0, "\(recommended.err)")
        let text = try String(contentsOf: recs, encoding: .utf8)
        #expect(fixture.catalogueOnlyItems.contains { text.contains("\t\($0)\t") }, "items without any interaction are recommended too")

        // --resume with the run's settings goes on; extending it works too.
        let resumed = try CLI.run(["train", "--output", run.path, "--resume", "--epochs", "3"])
        #expect(resumed.code == 0 && resumed.out.contains("extending the run"), "\(resumed.out) \(resumed.err)")
        let other = try CLI.run(["train", "--output", run.path, "--resume", "--item-features", tmp.file("x.npy").path])
        #expect(other.code != 0 && other.err.contains("features.item"), "\(other.err)")
    }

    @Test func aFeatureFileOfTheWrongSizeIsRefusedByName() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let npy = tmp.file("small.npy")
        try NPY.write(Matrix(rows: 3, cols: 2), to: npy)
        let out = tmp.file("run")
        let r = try CLI.run(["train", "--data", fixture.directory.path, "--format", "recbole", "--epochs", "1", "--dim", "8",
                             "--item-features", npy.path, "--output", out.path])
        #expect(r.code != 0 && r.err.contains(npy.path) && r.err.contains("3 rows but the data has"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let bad = try CLI.run(["train", "--data", fixture.directory.path, "--cold-items", "1.5", "--output", out.path])
        #expect(bad.code != 0 && bad.err.contains("--cold-items must lie in (0, 1)"), "\(bad.err)")
    }
}
