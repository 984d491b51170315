import Runs

/// The time a training run has left, for progress displays: the epochs left in the main phase
/// at the mean wall time of the main-phase epochs timed so far (their evaluations included),
/// plus the refit on all training data when one follows.
///
/// The refit's length is known only once selection ends: until then it is taken to be the
/// planned epochs (the refit repeats the selected epochs, and under the default cosine
/// schedule the selection is usually near the end), each costing a main-phase epoch's
/// training time scaled by ``refitScale`` (the refit trains on the validation pairs too, so
/// an epoch has `1 / (1 - validation share)` times the steps). Early stopping can only make
/// the run shorter than estimated. Once the refit has started its own epochs are used.
public struct TrainingETA: Sendable {
    /// The main phase's last epoch.
    public let plannedEpochs: Int
    /// The cost of a refit epoch relative to a main-phase epoch's training; `nil` when no
    /// refit follows.
    public let refitScale: Double?
    private var mainTimed = 0, mainWall = 0.0, mainTrain = 0.0
    private var refitEpochs: Int? = nil
    private var refitTimed = 0, refitSeconds = 0.0

    /// An estimate for a run planned for `plannedEpochs` epochs, followed by a refit when
    /// `refitScale` is given.
    public init(plannedEpochs: Int, refitScale: Double?) {
        self.plannedEpochs = plannedEpochs
        self.refitScale = refitScale
    }

    /// The estimate for a run with `config`: a refit follows when it carves a validation
    /// split and refits (``TrainConfig/refit``).
    public init(config: TrainConfig) {
        let f = config.validationFraction
        self.init(plannedEpochs: config.epochs, refitScale: f > 0 && f < 1 && config.refit ? 1 / (1 - f) : nil)
    }

    /// A main-phase epoch took `wallSeconds` in all, `trainSeconds` of them training.
    public mutating func mainEpochFinished(wallSeconds: Double, trainSeconds: Double) {
        mainTimed += 1
        mainWall += wallSeconds
        mainTrain += trainSeconds
    }

    /// The refit starts, for `epochs` epochs.
    public mutating func refitStarted(epochs: Int) { refitEpochs = epochs }

    /// A refit epoch took `seconds`.
    public mutating func refitEpochFinished(seconds: Double) {
        refitTimed += 1
        refitSeconds += seconds
    }

    /// Whether the refit has started.
    public var refitting: Bool { refitEpochs != nil }

    /// Seconds left when epoch `epoch` of the current phase (the main phase, or the refit once
    /// it has started) is about to start; `nil` while nothing has been timed to extrapolate from.
    public func secondsLeft(beforeEpoch epoch: Int) -> Double? {
        if let refitEpochs {
            let perEpoch: Double
            if refitTimed > 0 {
                perEpoch = refitSeconds / Double(refitTimed)
            } else if mainTimed > 0, let refitScale {
                perEpoch = mainTrain / Double(mainTimed) * refitScale
            } else {
                return nil
            }
            return perEpoch * Double(max(0, refitEpochs - (epoch - 1)))
        }
        guard mainTimed > 0 else { return nil }
        let main = mainWall / Double(mainTimed) * Double(max(0, plannedEpochs - (epoch - 1)))
        let refit = refitScale.map { mainTrain / Double(mainTimed) * $0 * Double(plannedEpochs) } ?? 0
        return main + refit
    }
}
