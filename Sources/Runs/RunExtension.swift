/// A run extended with `esans train --resume --epochs N` past the epochs it was planned for.
///
/// The learning-rate schedules that decay (cosine, linear) are defined over a run's epochs, so
/// an extended run cannot be the run planned for N epochs from the start. The rule: the epochs
/// trained before the extension keep the schedule they had, and the epochs after it follow the
/// schedule of a run planned for N epochs from the start (a cosine schedule jumps back up to
/// the rate such a run has at that epoch; constant and plateau schedules do not change). The
/// run's `config.json` records each extension (`training.extensions`), so the rates of every
/// epoch follow from it, and a run trained from that file repeats the extended run.
public struct RunExtension: Codable, Sendable, Equatable {
    /// The last epoch trained under the earlier plan.
    public var afterEpoch: Int
    /// The epochs the run was planned for until then.
    public var plannedEpochs: Int

    /// An extension after `afterEpoch` of a run planned for `plannedEpochs` epochs.
    public init(afterEpoch: Int, plannedEpochs: Int) {
        self.afterEpoch = afterEpoch
        self.plannedEpochs = plannedEpochs
    }
}

extension TrainConfig {
    /// The number of epochs the learning-rate schedule of `epoch` (1-based) spans: that of the
    /// plan the epoch was trained under (see ``RunExtension``).
    public func scheduleEpochs(at epoch: Int) -> Int {
        extensions.first { epoch <= $0.afterEpoch }?.plannedEpochs ?? epochs
    }

    /// Whether `epoch` was the last of a plan: the run's last epoch, or the last epoch of a
    /// plan the run was extended past. Such an epoch is always evaluated, and clusters are not
    /// refreshed after it, whether or not the run goes on.
    public func endsPlan(_ epoch: Int) -> Bool {
        epoch == epochs || extensions.contains { $0.afterEpoch == epoch && $0.plannedEpochs == epoch }
    }

    /// Problems with the recorded extensions (empty when they describe a possible history:
    /// each after a later epoch than the one before, within its plan and before `epochs`).
    public var extensionProblems: [String] {
        var out: [String] = []
        var previous = 0
        for x in extensions {
            if x.afterEpoch < 1 || x.afterEpoch <= previous || x.afterEpoch > x.plannedEpochs || x.plannedEpochs >= epochs {
                out.append("training.extensions: {afterEpoch \(x.afterEpoch), plannedEpochs \(x.plannedEpochs)} is not an extension of a run "
                           + "to \(epochs) epochs (each after a later epoch than the one before, within the plan it ends, and to fewer epochs than training.epochs)")
            }
            previous = x.afterEpoch
        }
        return out
    }
}

extension RunConfig {
    /// Whether this run continues `earlier`: the same settings, with `earlier`'s plan of epochs
    /// (its `epochs` and extensions) followed by extensions. A run continues itself. Model files
    /// written before an extension are read back under it (`best.safetensors` may hold an
    /// epoch of the earlier plan).
    public func continues(_ earlier: RunConfig) -> Bool {
        let now = training.extensions, then = earlier.training.extensions
        guard now.starts(with: then) else { return false }
        let plannedThen = now.count == then.count ? training.epochs : now[then.count].plannedEpochs
        guard plannedThen == earlier.training.epochs else { return false }
        return withoutEpochPlan.sameRun(as: earlier.withoutEpochPlan)
    }

    /// The settings in which `other` differs from this configuration apart from the plan of
    /// epochs (`training.epochs`, `training.extensions`), labelled as ``differences(from:labels:)`` does.
    public func differencesBesidesEpochs(from other: RunConfig, labels: (String, String)) -> [String] {
        withoutEpochPlan.differences(from: other.withoutEpochPlan, labels: labels)
    }

    /// A copy with the plan of epochs cleared, for comparing the other settings.
    var withoutEpochPlan: RunConfig {
        var c = self
        c.training.epochs = 0
        c.training.extensions = []
        return c
    }
}
