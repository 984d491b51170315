import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
import Sampling
@testable import Training

@Suite struct RunConfigTests {
    @Test func syntheticPathLoadsGeneratedData() throws {
        var tc = TrainConfig()
        tc.seed = 4
        let config = RunConfig(data: .init(path: RunConfig.syntheticPath), model: modelConfig(), training: tc, optimizer: adamConfig())
        let d = try config.loadDataset()
        #expect(d.numUsers == 1500 && d.numItems == 1200)
        #expect(d.train.count > 1500 && d.test.count > 0)
        // The defaults hold out a tenth of each user's training items for model selection.
        let validation = try #require(d.validation)
        #expect(abs(Double(validation.count) / Double(validation.count + d.train.count) - 0.1) < 0.03)
        var none = config
        none.training.validationFraction = 0
        #expect(try none.loadDataset().validation == nil)
        // The training seed is the data seed.
        let again = try config.loadDataset()
        #expect(again.train == d.train && again.test == d.test)
    }

    @Test func configRoundTripsThroughJSON() throws {
        var tc = trainConfig()
        tc.validationFraction = 0.1
        let config = RunConfig(data: .init(path: "/x/y"), model: modelConfig(), training: tc, optimizer: adamConfig())
        let decoded = try JSONDecoder().decode(RunConfig.self, from: JSONEncoder().encode(config))
        #expect(decoded == config)
    }

    @Test func relativeAndAbsolutePathsNameTheSameRun() {
        let cwd = FileManager.default.currentDirectoryPath
        var tc = trainConfig()
        tc.semanticIDs = "ids/semantic_ids.tsv"
        let relative = RunConfig(data: .init(path: "data/../data/gowalla"), model: modelConfig(), training: tc, optimizer: adamConfig())
        var absolute = relative
        absolute.data.path = cwd + "/data/gowalla"
        absolute.training.semanticIDs = cwd + "/ids/semantic_ids.tsv"
        #expect(relative != absolute)
        #expect(relative.sameRun(as: absolute))
        var other = absolute
        other.data.path = cwd + "/data/yelp"
        #expect(!relative.sameRun(as: other))
    }

    /// Every enum-valued setting of config.json: an unknown name fails with the file, the
    /// setting's path and the accepted names.
    @Test(arguments: [
        (#""format" : "lightgcn""#, #""format" : "parquet""#, "data.format", "lightgcn, recbole, csv, tsv"),
        (#""split" : "time:0.8""#, #""split" : "half""#, "data.split", "given, loo, time:RATIO"),
        (#""sampler" : "uns""#, #""sampler" : "random""#, "training.sampler", "uns, pns, inbatch, mns, dns, mixgcf, esans"),
        (#""kind" : "softmax""#, #""kind" : "hinge""#, "training.loss.kind", "softmax, bsl, ccl, adaptau, bpr"),
        (#""lrSchedule" : "cosine""#, #""lrSchedule" : "step""#, "training.lrSchedule", "constant, cosine, linear, plateau"),
        (#""lambdaRule" : "fixed""#, #""lambdaRule" : "adaptive""#, "training.esans.lambdaRule", "fixed, semihard"),
        (#""easyProposal" : "popularity""#, #""easyProposal" : "popular""#, "training.esans.easyProposal", "cluster, item, popularity"),
    ])
    func unknownSettingValuesInConfigJSONAreNamed(_ original: String, _ replacement: String, _ setting: String, _ accepted: String) throws {
        var source = RunConfig.DataSource(path: "/nowhere")
        source.format = .lightgcn
        source.split = .ratioByTime(0.8)
        var t = TrainConfig()
        t.loss.kind = .softmax
        t.lrSchedule = .cosine
        let config = RunConfig(data: source, model: ModelConfig(), training: t, optimizer: AdamOptimizer.Config())
        let text = String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self)
        #expect(text.contains(original), "\(original) not in \(text)")
        let tmp = TempDir()
        let url = tmp.file("config.json")
        try text.replacingOccurrences(of: original, with: replacement).write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try RunConfig.read(from: url)
            Issue.record("decoded \(replacement)")
        } catch {
            let message = "\(error)"
            #expect(message.contains(url.path) && message.contains(setting) && message.contains(accepted), "\(message)")
        }
    }

    /// Runs written before the loss setting (a top-level temperature, no loss) load as softmax.
    @Test func oldConfigsLoadAsSoftmaxWithTheirTemperature() throws {
        let old = #"{"epochs": 3, "temperature": 0.07, "sampler": "pns", "lrSchedule": "linear"}"#
        let t = try JSONDecoder().decode(TrainConfig.self, from: Data(old.utf8))
        #expect(t.loss.kind == .softmax && t.loss.temperature == 0.07 && t.sampler == .pns && t.lrSchedule == .linear)
        let esans = #"{"sampler": "esans", "esans": {"logQ": false, "hard": 2}}"#
        let e = try JSONDecoder().decode(TrainConfig.self, from: Data(esans.utf8))
        #expect(!e.logQCorrection && e.esans.hard == 2, "an old ESANS run without logQ keeps it off")
    }
}
