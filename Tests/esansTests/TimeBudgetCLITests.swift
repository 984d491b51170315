import Foundation
import Testing
import TestSupport

/// `esans compare --budget-seconds S`: each variant's epochs from its measured speed, kept for a rerun.
@Suite(.serialized) struct TimeBudgetCLITests {
    @Test func compareTrainsEachVariantForTheBudget() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let out = tmp.file("cmp")
        let args = ["compare", "--data", fixture.directory.path, "--format", "recbole", "--samplers", "uns,pns", "--regime", "custom", "--seeds", "1",
                    "--dim", "8", "--negatives", "16", "--batch-size", "64", "--budget-seconds", "0.3", "--output", out.path]
        let first = try CLI.run(args)
        #expect(first.code == 0, "\(first.err)")
        let data = try Data(contentsOf: out.appendingPathComponent("time_budget.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let speeds = try #require(json["secondsPerEpoch"] as? [String: Double])
        #expect(Set(speeds.keys) == ["uns", "pns"], "\(json)")
        for (variant, spe) in speeds {
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("runs/\(variant)-seed1/config.json"))) as? [String: Any]
            let epochs = (config?["training"] as? [String: Any])?["epochs"] as? Int
            #expect(epochs == max(1, Int(0.3 / spe)), "\(variant): \(spe) s/epoch, \(epochs ?? -1) epochs")
        }
        #expect(first.out.contains("time budget: UNS trains an epoch in"), "\(first.out)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("budget-probe").path))

        // Again: the speeds are reused, so the epochs and the finished runs match.
        let again = try CLI.run(args)
        #expect(again.code == 0, "\(again.err)")
        #expect(again.out.contains("speeds measured earlier reused") && again.out.contains("finished earlier, reused") && !again.out.contains("trains an epoch in"),
                "\(again.out)")
        let bad = try CLI.run(args.dropLast(4) + ["--budget-seconds", "0", "--output", tmp.file("bad").path])
        #expect(bad.code != 0 && bad.err.contains("--budget-seconds must be a positive number"), "\(bad.err)")
    }
}
