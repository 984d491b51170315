import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
@testable import Training

/// What a run reports for progress displays: its evaluations block by block, and the time
/// it has left.
@Suite struct ProgressReportTests {
    /// Every evaluation of a run with validation reports its users from 0 to all of them:
    /// validation after each evaluated epoch and for the selected weights, the test split once.
    @Test func evaluationsReportTheirUsers() throws {
        let tmp = TempDir()
        let dataDir = tmp.file("data")
        try writeLightGCN(tinyDataset(), to: dataDir)
        var m = ModelConfig()
        m.dim = 8
        var t = TrainConfig()
        t.epochs = 4
        t.batchSize = 32
        t.sharedNegatives = 16
        t.validationFraction = 0.2
        t.evalEvery = 2
        t.refit = true
        let config = RunConfig(data: .init(path: dataDir.path), model: m, training: t, optimizer: AdamOptimizer.Config())
        // One list of (done, of) per evaluation: a new one starts at done == 0.
        var evaluations: [(split: String, calls: [(done: Int, of: Int)])] = []
        var order: [String] = []
        _ = try TrainingRun(directory: tmp.file("run"), config: config) { event in
            switch event {
            case .evaluating(let split, let done, let of):
                if done == 0 { evaluations.append((split, [])); order.append(split) }
                evaluations[evaluations.count - 1].calls.append((done, of))
            case .epochDone(let stats, _, _): order.append("epoch \(stats.epoch)")
            case .refitStarted: order.append("refit")
            default: break
            }
        }.run(resume: false)
        // Validation at epochs 2 and 4 (before their epochDone), then for the selected weights;
        // the refit; the test split once, at the end.
        #expect(Array(order.prefix(8)) == ["epoch 1", "valid", "epoch 2", "epoch 3", "valid", "epoch 4", "valid", "refit"], "\(order)")
        #expect(order.last == "test" && order.dropFirst(8).dropLast().allSatisfy { $0.hasPrefix("epoch ") }, "\(order)")
        #expect(evaluations.map(\.split) == ["valid", "valid", "valid", "test"], "\(evaluations.map(\.split))")
        for (split, calls) in evaluations {
            let total = try #require(calls.first?.of)
            #expect(total > 0 && calls.allSatisfy { $0.of == total } && calls.last?.done == total, "\(split): \(calls)")
            #expect(zip(calls, calls.dropFirst()).allSatisfy { $0.done < $1.done }, "\(split): \(calls)")
        }
    }

    @Test func theETAOfARunCountsTheRefit() {
        // 10 epochs, validation 0.2 with a refit (an epoch of it costs 1.25 training epochs).
        var eta = TrainingETA(plannedEpochs: 10, refitScale: 1.25)
        #expect(eta.secondsLeft(beforeEpoch: 1) == nil, "nothing timed yet")
        eta.mainEpochFinished(wallSeconds: 3, trainSeconds: 2)
        eta.mainEpochFinished(wallSeconds: 5, trainSeconds: 2)
        // Before epoch 3: 8 epochs at 4 s, then a refit of 10 epochs at 2 x 1.25 s.
        #expect(eta.secondsLeft(beforeEpoch: 3) == 8 * 4 + 10 * 2.5)
        #expect(eta.secondsLeft(beforeEpoch: 11) == 25.0, "only the refit is left")
        eta.refitStarted(epochs: 6)
        #expect(eta.refitting)
        // The refit's actual length, at the estimated cost until its own epochs are timed.
        #expect(eta.secondsLeft(beforeEpoch: 1) == 6 * 2.5)
        eta.refitEpochFinished(seconds: 3)
        #expect(eta.secondsLeft(beforeEpoch: 2) == 15.0)
        #expect(eta.secondsLeft(beforeEpoch: 7) == 0.0)
    }

    @Test func withoutRefitOnlyTheMainPhaseCounts() {
        var t = TrainConfig()
        t.epochs = 5
        t.validationFraction = 0
        var eta = TrainingETA(config: t)
        #expect(eta.refitScale == nil)
        eta.mainEpochFinished(wallSeconds: 2, trainSeconds: 1)
        #expect(eta.secondsLeft(beforeEpoch: 2) == 8.0)
        t.validationFraction = 0.2
        t.refit = true
        #expect(abs((TrainingETA(config: t).refitScale ?? 0) - 1.25) < 1e-12)
        t.refit = false
        #expect(TrainingETA(config: t).refitScale == nil)
    }
}
