import Foundation
import NumCore

/// How the learning rate moves over a run (`--lr-schedule`).
public enum LRSchedule: String, NamedSetting {
    /// The peak rate throughout.
    case constant
    /// Cosine decay from the peak to 0 over the run.
    case cosine
    /// Linear decay from the peak to 0 over the run.
    case linear
    /// The peak rate, multiplied by the plateau factor (and the best checkpoint reloaded)
    /// whenever the validation metric stops improving.
    case plateau

    public static var settingName: String { "learning-rate schedule" }
}

extension TrainConfig {
    /// The scheduled learning rate at `step` of 1-based `epoch`, from the peak `base`: a
    /// function of the position in the run only, so a resumed run follows the same schedule.
    /// A decaying schedule spans the epochs of the plan the epoch belongs to
    /// (``scheduleEpochs(at:)``: the run's, or the earlier plan of an extended run); the plateau
    /// schedule multiplies the peak by `plateauScale` (factor^drops).
    public func learningRate(base: Float, epoch: Int, step: Int, stepsPerEpoch: Int, plateauScale: Float = 1) -> Float {
        let total = Double(max(1, scheduleEpochs(at: epoch) * stepsPerEpoch))
        let t = Double((epoch - 1) * stepsPerEpoch + step) / total
        switch lrSchedule {
        case .cosine: return base * Float(0.5 * (1 + cos(Double.pi * t)))
        case .linear: return base * Float(1 - t)
        case .constant: return base
        case .plateau: return base * plateauScale
        }
    }
}
