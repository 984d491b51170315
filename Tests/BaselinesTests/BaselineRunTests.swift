import Foundation
import Testing
import NumCore
import Datasets
import Runs
import Evaluation
import TestSupport
@testable import Baselines

@Suite struct BaselineRunTests {
    /// Most popular on the tiny data set, test u0 {2}, u1 {3}, u2 {0}, u3 {2}, by hand.
    /// Counts 2, 3, 2, 1. Rankings after masking: u0 [2, 3] (hit at 1), u1 [3] (hit at 1),
    /// u2 [0, 3] (hit at 1), u3 [1, 0, 2] (0 before 2 on the tie; hit at 3).
    @Test func mostPopularMetricsByHand() {
        let test = Interactions(numUsers: 4, numItems: 4, lists: [[2], [3], [0], [2]])
        var pop = MostPopular()
        pop.fit(tinyTrain, pool: .shared)
        let (m, _) = BaselineRun.evaluate(pop, FullCorpusEvaluator(cutoffs: [1, 3]), history: tinyTrain, test: test)
        #expect(m.usersEvaluated == 4)
        #expect(m.recall == [0.75, 1])
        #expect(abs(m.ndcg[1] - (3 + 1 / log2(4.0)) / 4) < 1e-12)
        #expect(abs(m.mrr[1] - (3 + 1 / 3.0) / 4) < 1e-12)
    }

    /// metrics.json has a training run's shape: an empty epoch list, the final test metrics at
    /// every cut-off, the validation metrics, the timings and the settings; MetricsLog reads it.
    @Test func writesMetricsLikeATrainingRun() throws {
        let tmp = TempDir()
        var settings = BaselineSettings(method: .itemknn)
        settings.neighbors = 20
        settings.shrink = 0
        var run = BaselineRun(data: RunConfig.DataSource(path: RunConfig.syntheticPath), settings: settings)
        run.validationFraction = 0.1
        var events: [String] = []
        var progress: [String: [(done: Int, of: Int)]] = [:]
        var evaluatedUsers: [String: Int] = [:]
        let log = try run.run(writingTo: tmp.url) { event in
            switch event {
            case .loaded: events.append("loaded")
            case .fitted(let on, _): events.append("fit " + on)
            case .evaluating(let split, let done, let of): progress[split, default: []].append((done, of))
            case .evaluated(let split, let m, _): events.append(split); evaluatedUsers[split] = m.usersEvaluated
            }
        }
        #expect(events == ["loaded", "fit train", "validation", "fit train+validation", "test"])
        // Each evaluation reports its users from 0 up to all of them, never backwards.
        for split in ["validation", "test"] {
            let seen = try #require(progress[split], "no progress for \(split)")
            let users = try #require(evaluatedUsers[split])
            #expect(seen.first?.done == 0 && seen.last?.done == users && seen.allSatisfy { $0.of == users }, "\(split): \(seen)")
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.done < $1.done }, "\(split): \(seen)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.file(RunFiles.metrics))) as? [String: Any]
        #expect((json?["epochs"] as? [Any])?.isEmpty == true)
        let final = try #require(json?["final"] as? [String: Double])
        for k in TrainConfig().cutoffs {
            for metric in ["recall", "ndcg", "hit", "mrr"] {
                #expect(final["\(metric)@\(k)"] != nil, "\(metric)@\(k)")
                #expect(final["valid_\(metric)@\(k)"] != nil, "valid_\(metric)@\(k)")
            }
        }
        #expect((final["recall@20"] ?? 0) > 0 && (final["valid_recall@20"] ?? 0) > 0)
        for key in ["fit_seconds", "eval_seconds", "valid_fit_seconds", "valid_eval_seconds", "seconds_total"] { #expect(final[key] != nil, "\(key)") }
        let info = try #require(json?["run"] as? [String: String])
        #expect(info["baseline"] == "itemknn" && info["neighbors"] == "20" && info["shrink"] == "0.0" && info["model"] == "baseline")
        let read = try MetricsLog.read(from: tmp.file(RunFiles.metrics))
        #expect(read.final == log.final && read.info == log.info)
    }

    /// With validation and a refit, the test split is ranked by a fit on all training data
    /// and masked by it: the same test metrics as a run without validation.
    @Test(arguments: [BaselineMethod.pop, .itemknn])
    func refitTestsLikeARunWithoutValidation(_ method: BaselineMethod) throws {
        var run = BaselineRun(data: RunConfig.DataSource(path: RunConfig.syntheticPath), settings: BaselineSettings(method: method))
        run.validationFraction = 0.2
        let refitted = try run.run().final ?? [:]
        run.validationFraction = 0
        let plain = try run.run().final ?? [:]
        #expect(plain["valid_recall@20"] == nil)
        for k in TrainConfig().cutoffs {
            #expect(refitted["recall@\(k)"] == plain["recall@\(k)"] && refitted["ndcg@\(k)"] == plain["ndcg@\(k)"], "@\(k)")
        }
        // Without the refit the test split is ranked by the fit on the training part (for the
        // item-KNN its similarities miss the validation pairs; popularity's order barely moves).
        run.validationFraction = 0.2
        run.refit = false
        var fits: [String] = []
        let first = try run.run { if case .fitted(let on, _) = $0 { fits.append(on) } }.final ?? [:]
        #expect(fits == ["train"] && first["fit_seconds"] == first["valid_fit_seconds"])
        if method == .itemknn { #expect(first["recall@20"] != plain["recall@20"]) }
    }

    @Test func settingsAreChecked() {
        var s = BaselineSettings(method: .itemknn)
        #expect(s.problems().isEmpty)
        s.neighbors = 0
        s.shrink = -1
        #expect(s.problems().count == 2)
        #expect(throws: (any Error).self) { try BaselineMethod.named("userknn") }
    }
}
