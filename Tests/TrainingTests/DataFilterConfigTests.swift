import Foundation
import Testing
import TestSupport
import Datasets
import Models
import Runs

/// The load-time filters as a run records them in config.json.
@Suite struct DataFilterConfigTests {
    private func config(_ source: RunConfig.DataSource) -> RunConfig {
        var t = TrainConfig()
        t.validationFraction = 0
        return RunConfig(data: source, model: ModelConfig(), training: t, optimizer: AdamOptimizer.Config())
    }

    @Test func filtersRoundTripThroughConfigJSON() throws {
        var source = RunConfig.DataSource(path: "/data/ratings.csv")
        source.format = .csv
        source.minRating = 3.5
        source.kCore = 5
        source.ratingColumn = "stars"
        let original = config(source)
        let json = try JSONEncoder().encode(original)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"minRating\":3.5") && text.contains("\"kCore\":5") && text.contains("\"ratingColumn\":\"stars\""), "\(text)")
        let decoded = try JSONDecoder().decode(RunConfig.self, from: json)
        #expect(decoded == original)
        let options = try decoded.data.loadOptions(seed: 1)
        #expect(options.minRating == 3.5 && options.kCore == 5 && options.columns.rating == .name("stars"))
        // A run without filters writes none of the keys, and differs from one with them.
        let plain = config(RunConfig.DataSource(path: "/data/ratings.csv"))
        let plainText = String(decoding: try JSONEncoder().encode(plain), as: UTF8.self)
        #expect(!plainText.contains("minRating") && !plainText.contains("kCore"))
        #expect(plain.differences(from: decoded).contains { $0.hasPrefix("data.kCore") })
    }

    /// A config.json written before the filters existed still decodes, with no filter.
    @Test func oldConfigWithoutFilterKeysDecodes() throws {
        let old = config(RunConfig.DataSource(path: "/data/gowalla"))
        var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(old)) as? [String: Any])
        var data = try #require(object["data"] as? [String: Any])
        for key in ["minRating", "kCore", "ratingColumn"] { data.removeValue(forKey: key) }
        #expect(Set(data.keys) == ["path", "strict", "dedupe", "header"])
        object["data"] = data
        let decoded = try JSONDecoder().decode(RunConfig.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded.data.minRating == nil && decoded.data.kCore == nil && decoded.data.ratingColumn == nil)
        let options = try decoded.data.loadOptions(seed: 1)
        #expect(options.minRating == nil && options.kCore == 0)
    }

    /// Loading a run's data applies the filters it recorded.
    @Test func loadDatasetAppliesTheRecordedFilters() throws {
        let dir = TempDir()
        let path = dir.write("r.csv", "user,item,rating\nu1,a,5\nu1,b,1\nu1,c,4\nu2,a,4\nu2,c,5\nu3,b,2\n")
        var source = RunConfig.DataSource(path: path)
        source.split = .randomRatio(1)  // all to train: no test pair dropped as unseen
        source.minRating = 4
        source.kCore = 2
        let d = try config(source).loadDataset()
        #expect(d.filters.map(\.name) == ["rating >= 4", "2-core"])
        #expect(Set(d.users.externalIDs) == ["u1", "u2"] && Set(d.items.externalIDs) == ["a", "c"])
        #expect(d.train.count + d.test.count == 4)
    }
}
