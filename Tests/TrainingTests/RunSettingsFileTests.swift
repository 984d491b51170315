import Foundation
import Testing
import TestSupport
import Datasets
import Models
@testable import Runs

/// `esans train --config FILE`: a run's settings read from a JSON file in the shape of
/// config.json, strictly (unknown keys and values are named), with defaults for what it leaves out.
@Suite struct RunSettingsFileTests {
    /// A config with every setting away from its default, optionals included.
    static func everySetting() -> RunConfig {
        var data = RunConfig.DataSource(path: "/data/log.csv")
        data.format = .csv; data.split = .leaveOneOutByTime; data.strict = true; data.dedupe = true
        data.userColumn = "u"; data.itemColumn = "i"; data.timestampColumn = "t"; data.header = false; data.delimiter = ";"
        data.ratingColumn = "r"; data.minRating = 3; data.kCore = 2; data.coldItems = 0.1
        var c = RunConfig(data: data)
        c.features.item = SideFeatureSettings.Source(path: "/msac", modalities: ["text"], imputeMissing: true, checksum: "0123456789abcdef")
        c.features.user = SideFeatureSettings.Source(path: "/users.npy", modalities: [], imputeMissing: false, checksum: "fedcba9876543210")
        c.features.itemIDDropout = 0.2
        c.model.item.featureDim = 64
        c.model.dim = 12; c.model.user.history = true; c.model.item.hidden = [16]
        c.training.epochs = 7; c.training.sampler = .esans; c.training.semanticIDs = "/ids.tsv"; c.training.loss.temperature = 0.2
        c.training.esans.lambda = 0.3; c.training.esans.lambdaRule = .semihard; c.training.cutoffs = [10]
        c.training.virtualShards = 4
        c.training.evalUsers = 100
        c.optimizer.learningRate = 0.01
        return c
    }

    /// A run's config.json reads back as the same configuration; so does any part of it, with
    /// the defaults for the rest.
    @Test func aRunsConfigAndPartsOfOneRead() throws {
        let tmp = TempDir()
        let full = Self.everySetting()
        let url = tmp.file("config.json")
        try JSONEncoder().encode(full).write(to: url)
        #expect(try RunSettingsFile.read(from: url) == full)

        try #"{"data": {"path": "d.csv"}, "training": {"epochs": 3, "esans": {"hard": 2}}, "model": {"user": {"history": true}}}"#
            .write(to: url, atomically: true, encoding: .utf8)
        var expected = RunConfig(data: RunConfig.DataSource(path: "d.csv"))
        expected.training.epochs = 3
        expected.training.esans.hard = 2
        expected.model.user.history = true
        let partial = try RunSettingsFile.read(from: url)
        #expect(partial == expected, "\(partial.differences(from: expected))")
        // Without data.path the command line's --data gives it; without either, the error says so.
        try #"{"training": {"epochs": 3}}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect(try RunSettingsFile.read(from: url, dataPath: "x.csv").data.path == "x.csv")
        let missing = #expect(throws: ConfigFileError.self) { try RunSettingsFile.read(from: url) }
        #expect(missing?.setting == "data.path" && missing?.problem.contains("--data") == true)
    }

    /// An older config.json with the legacy softmax temperature reads as `RunConfig.read` reads it.
    @Test func legacyKeysReadAsBefore() throws {
        let tmp = TempDir()
        let url = tmp.file("old.json")
        try #"{"data": {"path": "d"}, "training": {"temperature": 0.05, "epochs": 2}}"#.write(to: url, atomically: true, encoding: .utf8)
        let c = try RunSettingsFile.read(from: url)
        #expect(c.training.loss.kind == .softmax && c.training.loss.temperature == 0.05 && c.training.epochs == 2)
    }

    /// Unknown keys fail with their path and the keys accepted there; unknown values with the
    /// accepted values; wrong types and broken JSON with the setting or the file.
    @Test(arguments: [
        (#"{"training": {"epoch": 3}}"#, "training.epoch", "is not a setting esans knows (accepted in training: batchSize,"),
        (#"{"modle": {}}"#, "modle", "is not a setting esans knows (accepted: data, features, model, optimizer, training)"),
        (#"{"training": {"esans": {"lamda": 0.2}}}"#, "training.esans.lamda", "accepted in training.esans: candidateSelection, clusterTemperature, easy,"),
        (#"{"features": {"item": {"paht": "m"}}}"#, "features.item.paht", "accepted in features.item: checksum, imputeMissing, modalities, path)"),
        (#"{"training": {"sampler": "random"}}"#, "training.sampler", "unknown sampler 'random' (accepted: uns, pns"),
        (#"{"training": {"lrSchedule": "step"}}"#, "training.lrSchedule", "(accepted: constant, cosine"),
        (#"{"data": {"split": "half"}}"#, "data.split", "unknown split 'half' (accepted: given, loo"),
        (#"{"training": {"epochs": "ten"}}"#, "training.epochs", "is not a Int"),
        (#"{"training": "#, "", "is not valid JSON"),
        (#"[1, 2]"#, "", "is not a JSON object of run settings"),
    ])
    func unknownKeysAndValuesAreNamed(_ text: String, _ setting: String, _ problem: String) throws {
        let tmp = TempDir()
        let url = tmp.file("bad.json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigFileError.self) { try RunSettingsFile.read(from: url, dataPath: "d") }
        #expect(error?.setting == setting, "\(String(describing: error))")
        #expect(error?.problem.contains(problem) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix(url.path) == true)
    }

    /// The keys read off the types are exactly the keys a config with every setting encodes,
    /// plus the legacy ones: a setting added later is known without a list to keep.
    @Test func knownKeysAreTheEncodedKeys() throws {
        func paths(_ tree: [String: Any], _ prefix: String) -> Set<String> {
            var out = Set<String>()
            for (k, v) in tree {
                let p = prefix.isEmpty ? k : prefix + "." + k
                if let sub = v as? [String: Any], !sub.isEmpty { out.formUnion(paths(sub, p)) } else { out.insert(p) }
            }
            return out
        }
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.everySetting())) as? [String: Any] ?? [:]
        let known = paths(RunSettingsFile.knownKeys(), "")
        #expect(known == paths(encoded, "").union(RunSettingsFile.legacyKeys))
    }
}
