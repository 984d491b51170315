import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Training
@testable import Experiments

/// `--budget-seconds`: every variant trains for the same time, its epochs set by its measured speed.
@Suite struct TimeBudgetTests {
    /// A probe trainer whose variant `b` takes 3x as long per epoch as `a`; records the probes' settings.
    final class ProbeTrainer: @unchecked Sendable {
        var probes: [RunConfig] = []
        func train(_ dir: URL, _ config: RunConfig, _ resume: Bool, _ observe: @escaping (TrainingRun.Event) -> Void) throws -> MetricsLog {
            probes.append(config)
            let slow = config.training.sampler == .pns ? 3.0 : 1.0
            // Epoch times with one disturbed epoch: the fastest is taken.
            let seconds = (0..<config.training.epochs).map { $0 == 0 ? 2.5 * slow : 0.5 * slow }
            return handMadeLog(final: [:], recall50: seconds.map { _ in 0 }, seconds: seconds, falseNegatives: seconds.map { _ in 0 })
        }
    }

    @Test func epochsFollowTheMeasuredSpeed() throws {
        let budget = TimeBudget(seconds: 10, secondsPerEpoch: ["a": 0.5, "b": 1.5, "slow": 60])
        #expect(budget.epochs(for: "a") == 20)
        #expect(budget.epochs(for: "b") == 6)
        #expect(budget.epochs(for: "slow") == 1, "at least one epoch")
        #expect(budget.epochs(for: "unmeasured") == nil)
    }

    @Test func probesMeasureEachVariantOnceAndSetItsEpochs() throws {
        let tmp = TempDir()
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        let fake = ProbeTrainer()
        var budget = TimeBudget(seconds: 6)
        var lines: [String] = []
        try budget.measure(plan, output: tmp.url, train: fake.train) { lines.append($0) }
        #expect(fake.probes.count == 2 && lines.count == 2)
        // Probes: the first seed, the probe's epochs, no validation, no refit.
        for p in fake.probes {
            #expect(p.training.seed == 1 && p.training.epochs == budget.probeEpochs)
            #expect(p.training.validationFraction == 0 && !p.training.refit)
        }
        #expect(budget.secondsPerEpoch == ["a": 0.5, "b": 1.5])
        let planned = try budget.apply(to: plan)
        #expect(planned.config(for: RunKey(variant: "a", seed: 2)).training.epochs == 12)
        #expect(planned.config(for: RunKey(variant: "b", seed: 1)).training.epochs == 4)
        #expect(planned.config(for: RunKey(variant: "b", seed: 1)).training.sampler == .pns, "the variant's own change is kept")
        #expect(planned.notes.last?.contains("A 12 (0.50 s/epoch), B 4 (1.50 s/epoch)") == true, "\(planned.notes)")
        #expect(planned.settings["budget_seconds"] == "6")
        #expect(!FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("budget-probe").path), "the probes' folder is removed")

        // Saved and read back; measuring again probes nothing.
        try budget.write(to: tmp.url)
        var again = try #require(try TimeBudget.read(from: tmp.url))
        #expect(again == budget)
        try again.measure(plan, output: tmp.url, train: fake.train) { _ in }
        #expect(fake.probes.count == 2)
    }

    @Test func aDamagedBudgetFileIsRefusedWithItsPath() throws {
        let tmp = TempDir()
        #expect(try TimeBudget.read(from: tmp.url) == nil)
        try Data("{\"seconds\": ".utf8).write(to: tmp.url.appendingPathComponent(TimeBudget.fileName))
        #expect { try TimeBudget.read(from: tmp.url) } throws: { error in
            (error as? ExperimentError)?.message.contains(TimeBudget.fileName) == true
        }
    }
}
