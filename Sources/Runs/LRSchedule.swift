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
