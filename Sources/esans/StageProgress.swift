import Semantic

/// Progress bars for work reported as (stage, done, total): a new ``ProgressBar`` whenever the
/// stage changes or its count starts again, so that one observer can draw the evaluations of
/// a training run ("evaluating valid", "evaluating test") or the stages of an MSAC fit
/// ("encoding texts", "k-means primary"). Quiet when standard error is not a terminal, as
/// every bar is.
final class StageProgress {
    private var bar: ProgressBar?
    private var label = ""
    private var last = 0
    /// Text put before every label (an indent under a run's header).
    private let prefix: String

    /// Bars whose labels start with `prefix`.
    init(prefix: String = "") { self.prefix = prefix }

    /// Reports `done` of `total` `unit`s in `stage`.
    func update(_ stage: String, done: Int, total: Int, unit: String) {
        if bar == nil || stage != label || done < last || done == 0 {
            bar = ProgressBar(total: total, label: prefix + stage, unit: unit)
            label = stage
        }
        last = done
        bar?.update(done)
    }
}

extension StageProgress {
    /// Draws the stages of an MSAC fit ("encoding texts", "k-means primary", ...).
    func msac(_ stage: MSACStage, _ done: Int, _ total: Int) {
        update(stage.rawValue, done: done, total: total, unit: stage.unit)
    }
}
