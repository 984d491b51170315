import Foundation
import Testing
import TestSupport

/// ESANS for a newcomer: `esans cluster` codes the whole catalogue, and `train` / `compare`
/// without --semantic-ids fit MSAC's defaults into the output folder once and reuse them.
@Suite(.serialized) struct DefaultSemanticIDsTests {
    /// Options of a tiny, fast run.
    static let tiny = ["--epochs", "1", "--dim", "8", "--negatives", "16", "--per-positive", "3", "--hard", "1", "--easy", "2", "--batch-size", "64"]

    static func modified(_ url: URL) throws -> Date {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date)
    }

    /// `training.semanticIDs` of a run's `config.json`.
    static func semanticIDs(ofRun run: URL) throws -> String? {
        let data = try Data(contentsOf: run.appendingPathComponent("config.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (json["training"] as? [String: Any])?["semanticIDs"] as? String
    }

    /// `training.esans.edis` of a run's `config.json`.
    static func edis(ofRun run: URL) throws -> Bool? {
        let data = try Data(contentsOf: run.appendingPathComponent("config.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return ((json["training"] as? [String: Any])?["esans"] as? [String: Any])?["edis"] as? Bool
    }

    /// Item ids of a `semantic_ids.tsv`.
    static func ids(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map { String($0.split(separator: "\t")[0]) }
    }

    @Test func clusterCodesItemsWithoutTrainingInteractions() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let out = tmp.file("msac")
        let (code, stdout, err) = try CLI.run(["cluster", "--data", fixture.directory.path, "--format", "recbole", "--modalities", "structured,behaviour",
                                               "--kp", "4", "--ks", "2", "--dim", "8", "--align-epochs", "5", "--output", out.path])
        #expect(code == 0, "\(err)")
        let coded = try Self.ids(out.appendingPathComponent("semantic_ids.tsv"))
        #expect(Set(coded) == Set(fixture.itemsWithAttributes), "\(Set(fixture.itemsWithAttributes).subtracting(coded))")
        let extra = fixture.testOnlyItems.count + fixture.catalogueOnlyItems.count
        #expect(stdout.contains("semantic IDs for \(coded.count) items (\(fixture.trainedItems.count) with training interactions, \(extra) without)"), "\(stdout)")
        #expect(stdout.contains("\(extra) from structured (no training interactions)"), "\(stdout)")
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("## Coverage") && report.contains("1 catalogue items have no modality"), "\(report)")
        // What each cluster holds: the fixture has genres but no titles, so items show as ids.
        #expect(report.contains("## Primary clusters\n\nEvery cluster, largest first")
                && report.contains("| cluster | items | top categories | most popular items (ids) |"), "\(report)")
    }

    @Test func trainWithoutSemanticIDsFitsOnceAndReuses() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let run = tmp.file("run")
        let data = ["--data", fixture.directory.path, "--format", "recbole"]
        let first = try CLI.run(["train"] + data + ["--sampler", "esans"] + Self.tiny + ["--output", run.path])
        #expect(first.code == 0, "\(first.err)")
        // One line says what was used: the modalities the data has (no titles here, so no text).
        #expect(first.out.contains("MSAC fits them with the defaults: structured, behaviour (no text: the data has no .item file with titles)"), "\(first.out)")
        let msac = run.appendingPathComponent("msac")
        for name in ["semantic_ids.tsv", "msac.safetensors", "report.md", "cache_key.txt"] {
            #expect(FileManager.default.fileExists(atPath: msac.appendingPathComponent(name).path), "missing msac/\(name)")
        }
        #expect(Set(try Self.ids(msac.appendingPathComponent("semantic_ids.tsv"))) == Set(fixture.itemsWithAttributes))
        let ids = try Self.semanticIDs(ofRun: run)
        #expect(ids?.hasSuffix("run/msac/semantic_ids.tsv") == true, "\(ids ?? "none")")
        #expect(first.out.contains("final (test split"), "\(first.out)")
        let model = msac.appendingPathComponent("msac.safetensors")
        let fitted = try Self.modified(model)
        #expect(try Self.edis(ofRun: run) == false, "EDIS is off by default")

        // The same run again (with EDIS, --edis), and resumed: the fit is reused, not refitted,
        // and the resumed run keeps the run's EDIS setting.
        Thread.sleep(forTimeInterval: 1.1)
        let again = try CLI.run(["train"] + data + ["--sampler", "esans", "--edis"] + Self.tiny + ["--force", "--output", run.path])
        #expect(again.code == 0, "\(again.err)")
        #expect(again.out.contains("semantic IDs: reusing") && !again.out.contains("MSAC fits them"), "\(again.out)")
        #expect(try Self.edis(ofRun: run) == true)
        let resumed = try CLI.run(["train"] + data + ["--sampler", "esans"] + Self.tiny + ["--resume", "--output", run.path])
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(resumed.out.contains("semantic IDs: reusing"), "\(resumed.out)")
        #expect(try Self.edis(ofRun: run) == true)
        #expect(try Self.modified(model) == fitted, "msac.safetensors was rewritten")

        // Other data (one more interaction): fitted again.
        let inter = fixture.interFile
        try (try String(contentsOf: inter, encoding: .utf8) + "u0\ti1\t11\n").write(to: inter, atomically: true, encoding: .utf8)
        let changed = try CLI.run(["train"] + data + ["--sampler", "esans"] + Self.tiny + ["--force", "--output", run.path])
        #expect(changed.code == 0, "\(changed.err)")
        #expect(changed.out.contains("holds a fit of other data or settings") && changed.out.contains("MSAC fits them"), "\(changed.out)")
        #expect(try Self.modified(model) > fitted)
    }

    @Test func compareWithoutSemanticIDsFitsOnceAndReuses() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let out = tmp.file("cmp")
        let args = ["compare", "--data", fixture.directory.path, "--format", "recbole", "--samplers", "uns,esans", "--regime", "custom", "--seeds", "1"]
            + Self.tiny + ["--output", out.path]
        let first = try CLI.run(args)
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.contains("MSAC fits them with the defaults"), "\(first.out)")
        // The runs carve a validation split (the default) with their seed, which the fit leaves out: one fit per seed.
        #expect(first.out.contains("each seed carves its own validation split"), "\(first.out)")
        let model = out.appendingPathComponent("msac/seed1/msac.safetensors")
        let fitted = try Self.modified(model)
        // Only the ESANS run carries the semantic IDs; UNS's configuration is that of a comparison without ESANS.
        let esans = try Self.semanticIDs(ofRun: out.appendingPathComponent("runs/esans-seed1"))
        #expect(esans?.hasSuffix("cmp/msac/seed1/semantic_ids.tsv") == true, "\(esans ?? "none")")
        #expect(try Self.semanticIDs(ofRun: out.appendingPathComponent("runs/uns-seed1")) == nil)

        Thread.sleep(forTimeInterval: 1.1)
        let again = try CLI.run(args)
        #expect(again.code == 0, "\(again.err)")
        #expect(again.out.contains("semantic IDs: reusing") && again.out.contains("finished earlier, reused"), "\(again.out)")
        #expect(try Self.modified(model) == fitted, "msac.safetensors was rewritten")
    }

    /// A random split changes with the seed: each seed's training split gets its own fit.
    @Test func compareFitsOncePerSeedWhenTheDataDependsOnIt() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let out = tmp.file("cmp")
        let (code, stdout, err) = try CLI.run(["compare", "--data", fixture.directory.path, "--format", "recbole", "--split", "random:0.8",
                                               "--samplers", "esans", "--regime", "custom", "--seeds", "2", "--validation", "0"]
                                              + Self.tiny + ["--output", out.path])
        #expect(code == 0, "\(err)")
        #expect(stdout.contains("each seed's training split gets its own MSAC fit"), "\(stdout)")
        for seed in [1, 2] {
            let ids = try Self.semanticIDs(ofRun: out.appendingPathComponent("runs/esans-seed\(seed)"))
            #expect(ids?.hasSuffix("msac/seed\(seed)/semantic_ids.tsv") == true, "seed \(seed): \(ids ?? "none")")
        }
    }

    /// The clusters never see the validation pairs a run selects on: `train` leaves them out of
    /// its default fit, and `esans cluster --validation F --seed S` carves the same pairs.
    @Test func fitsLeaveTheValidationPairsOut() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let data = ["--data", fixture.directory.path, "--format", "recbole"]
        let run = tmp.file("run")
        let trained = try CLI.run(["train"] + data + ["--sampler", "esans", "--validation", "0.3"] + Self.tiny + ["--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        #expect(trained.out.contains("--validation 0.3"), "the equivalent cluster command names the share: \(trained.out)")
        let key = try String(contentsOf: run.appendingPathComponent("msac/cache_key.txt"), encoding: .utf8)
        #expect(key.contains("validation=0.3\n"), "\(key)")
        let report = try String(contentsOf: run.appendingPathComponent("msac/report.md"), encoding: .utf8)
        let carved = try #require(report.firstMatch(of: /Fitted without the (\d+) validation pairs/)).1
        #expect(Int(carved)! > 0)

        // The same share and seed from `esans cluster`: the same number of pairs left out.
        let out = tmp.file("msac")
        let modalities = String(try #require(key.firstMatch(of: /modalities=(.*)\n/)).1)
        let clustered = try CLI.run(["cluster"] + data + ["--modalities", modalities, "--kp", "2", "--ks", "2", "--validation", "0.3", "--output", out.path])
        #expect(clustered.code == 0, "\(clustered.err)")
        #expect(clustered.out.contains("(\(carved) validation pairs left out of the fit)"), "\(clustered.out)")
        // Without the share, the behaviour modality sees every training pair.
        let all = try CLI.run(["cluster"] + data + ["--modalities", modalities, "--kp", "2", "--ks", "2", "--output", tmp.file("all").path])
        #expect(all.code == 0 && !all.out.contains("validation pairs left out"), "\(all.out)")
        let bad = try CLI.run(["cluster"] + data + ["--validation", "1", "--output", tmp.file("bad").path])
        #expect(bad.code != 0 && bad.err.contains("--validation must lie in [0, 1)"), "\(bad.err)")
    }
}
