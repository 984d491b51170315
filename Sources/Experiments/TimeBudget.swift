import Foundation
import NumCore
import Runs
import Training

/// `esans compare --budget-seconds S`: every variant trains for about the same wall-clock time
/// instead of the same number of epochs, so that a cheap sampler gets more epochs than a costly
/// one and the report compares quality at equal cost.
///
/// Each variant's speed is measured once, by a short probe (``probeEpochs`` epochs of its first
/// seed, no validation), and its epoch count set to `floor(S / seconds per epoch)`, at least 1.
/// The measured speeds are kept in `OUTPUT/time_budget.json` and reused when the command is run
/// again, so that a resumed comparison plans the same epochs (and its finished runs still match).
/// Every run is then deterministic given its epoch count, which its `config.json` records. The
/// budget covers the training epochs of the selection phase; evaluations and the refit on all
/// training data come on top, alike for every variant in proportion to its epochs.
public struct TimeBudget: Codable, Sendable, Equatable {
    /// The budget in training seconds per run.
    public var seconds: Double
    /// Epochs each probe trains; the fastest of them sets the variant's speed (the least
    /// disturbed by other work on the machine).
    public var probeEpochs: Int
    /// Measured training seconds per epoch, by variant name.
    public var secondsPerEpoch: [String: Double]

    /// The file in the experiment directory that keeps the measured speeds.
    public static let fileName = "time_budget.json"

    /// A budget of `seconds` with no speeds measured yet.
    public init(seconds: Double, probeEpochs: Int = 2, secondsPerEpoch: [String: Double] = [:]) {
        self.seconds = seconds
        self.probeEpochs = probeEpochs
        self.secondsPerEpoch = secondsPerEpoch
    }

    /// The epochs `variant` gets: the budget over its measured epoch time, at least 1 (nil
    /// before it was measured).
    public func epochs(for variant: String) -> Int? {
        secondsPerEpoch[variant].map { max(1, Int((seconds / max($0, 1e-9)).rounded(.down))) }
    }

    /// Reads `OUTPUT/time_budget.json`; nil when there is none.
    public static func read(from directory: URL) throws -> TimeBudget? {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(TimeBudget.self, from: FileData.read(url))
        } catch {
            throw ExperimentError("\(url.path) is not a time budget (\(error)); remove it to measure the speeds again")
        }
    }

    /// Writes `OUTPUT/time_budget.json` atomically.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: directory.appendingPathComponent(Self.fileName))
    }

    /// `plan` with every variant's epochs set by the budget (each variant must be measured).
    public func apply(to plan: ExperimentPlan) throws -> ExperimentPlan {
        var out = plan
        out.variants = try plan.variants.map { v in
            guard let epochs = epochs(for: v.name) else { throw ExperimentError("time budget: variant \(v.name) has no measured speed") }
            let transform = v.transform
            return ExperimentVariant(name: v.name, label: v.label) { base in
                var c = transform(base)
                c.training.epochs = epochs
                return c
            }
        }
        out.notes.append(String(format: "Time budget: %.0f s of training per run; epochs per variant from its measured speed: ", seconds)
                         + plan.variants.map { v in
                             String(format: "%@ %d (%.2f s/epoch)", v.label, epochs(for: v.name) ?? 0, secondsPerEpoch[v.name] ?? 0)
                         }.joined(separator: ", ") + ".")
        out.settings["budget_seconds"] = String(format: "%g", seconds)
        return out
    }

    /// Measures every variant of `plan` not measured yet: trains its first seed for
    /// ``probeEpochs`` epochs without validation or refit in a scratch folder under `output`
    /// (removed afterwards) with `train`, and records the fastest epoch. `log` gets one line per probe.
    public mutating func measure(_ plan: ExperimentPlan, output: URL, train: ExperimentRunner.Train = ExperimentRunner.trainWithTrainingRun,
                                 log: (String) -> Void) throws {
        let scratch = output.appendingPathComponent("budget-probe", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for v in plan.variants where secondsPerEpoch[v.name] == nil {
            var config = plan.config(for: RunKey(variant: v.name, seed: plan.seeds[0]))
            config.training.epochs = probeEpochs
            config.training.validationFraction = 0
            config.training.refit = false
            config.training.evalEvery = probeEpochs + 1
            let dir = scratch.appendingPathComponent(RunKey(variant: v.name, seed: plan.seeds[0]).directoryName, isDirectory: true)
            try? FileManager.default.removeItem(at: dir)
            let metrics = try train(dir, config, false) { _ in }
            let times = metrics.epochs.compactMap { $0["train_seconds"] }.filter { $0.isFinite && $0 > 0 }
            guard let fastest = times.min() else { throw ExperimentError("time budget: the probe of \(v.name) recorded no epoch time") }
            secondsPerEpoch[v.name] = fastest
            log(String(format: "time budget: %@ trains an epoch in %.2f s (fastest of %d) -> %d epochs in %.0f s",
                       v.label, fastest, times.count, epochs(for: v.name) ?? 0, seconds))
        }
    }
}
