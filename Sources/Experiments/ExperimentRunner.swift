import Foundation
import Runs
import NumCore
import Training

/// Trains every run of a plan into `OUTPUT/runs/<variant>-seed<k>/`, reusing what is done:
/// a run whose `metrics.json` has a final entry and whose `config.json` equals the planned
/// configuration is read back, not retrained; an unfinished one continues from its last
/// checkpoint. A directory holding a run with other settings is an error (nothing is overwritten).
public struct ExperimentRunner {
    /// Trains one run into a directory and returns its metrics log; `resume` continues from a
    /// checkpoint when there is one. The default builds a ``TrainingRun``; tests inject counters.
    public typealias Train = (_ directory: URL, _ config: RunConfig, _ resume: Bool,
                              _ observe: @escaping (TrainingRun.Event) -> Void) throws -> MetricsLog

    /// What the runner reports while it works.
    public enum Event {
        /// A finished run was found and read back.
        case reused(RunKey, index: Int, of: Int)
        /// Training of a run starts (`resuming`: an unfinished run is continued).
        case started(RunKey, index: Int, of: Int, resuming: Bool)
        /// An event of the run being trained.
        case training(RunKey, TrainingRun.Event)
        /// A run finished training.
        case finished(RunKey, MetricsLog, seconds: Double)
    }

    /// The state of a run directory against the configuration planned for it.
    public enum RunState {
        /// Nothing there yet.
        case empty
        /// Same settings, not finished: train with resume.
        case unfinished
        /// Same settings, finished: reuse this log.
        case finished(MetricsLog)
    }

    /// The plan being run.
    public let plan: ExperimentPlan
    /// The experiment directory (runs go to `runs/` inside).
    public let output: URL
    private let train: Train
    /// Checks a run's inputs before anything is trained (default: its semantic IDs, see
    /// ``Training/SamplerFactory/checkSemanticIDs(_:)``).
    private let checkInputs: (RunConfig) throws -> Void

    /// A runner for `plan` writing under `output`; `train` does the training (default: ``TrainingRun``).
    public init(plan: ExperimentPlan, output: URL, train: @escaping Train = ExperimentRunner.trainWithTrainingRun,
                checkInputs: @escaping (RunConfig) throws -> Void = SamplerFactory.checkSemanticIDs) {
        self.plan = plan
        self.output = output
        self.train = train
        self.checkInputs = checkInputs
    }

    /// The default trainer: a ``TrainingRun`` in `directory`.
    public static func trainWithTrainingRun(_ directory: URL, _ config: RunConfig, _ resume: Bool,
                                            _ observe: @escaping (TrainingRun.Event) -> Void) throws -> MetricsLog {
        try TrainingRun(directory: directory, config: config, observe: observe).run(resume: resume)
    }

    /// The directory of one run.
    public func directory(for key: RunKey) -> URL {
        output.appendingPathComponent("runs", isDirectory: true).appendingPathComponent(key.directoryName, isDirectory: true)
    }

    /// What is in `directory` for a run configured as `config`.
    /// - Throws: ``ExperimentError`` when the directory holds a run with other settings.
    public static func state(of directory: URL, config: RunConfig) throws -> RunState {
        let configURL = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else { return .empty }
        let saved: RunConfig
        do { saved = try RunConfig.read(from: configURL) } catch {
            throw ExperimentError("\(configURL.path) is not a run configuration (\(error)); move it away or use another --output")
        }
        guard saved.sameRun(as: config) else {
            throw ExperimentError("\(directory.path) holds a run with other settings; use another --output (or the same options) to reuse it")
        }
        let metricsURL = directory.appendingPathComponent("metrics.json")
        guard FileManager.default.fileExists(atPath: metricsURL.path) else { return .unfinished }
        let log = try MetricsLog.read(from: metricsURL)
        return log.final == nil ? .unfinished : .finished(log)
    }

    /// Runs or reuses every run of the plan, in plan order, and returns each run's log.
    /// `progress` sees every event. Every run directory, and every semantic IDs file a run to
    /// train reads, is checked before anything is written or trained.
    public func runAll(progress: (Event) -> Void = { _ in }) throws -> [RunKey: MetricsLog] {
        let keys = plan.runs
        var logs: [RunKey: MetricsLog] = [:]
        // Inspect every directory first: a conflicting one fails now, not after hours of training.
        let states = try keys.map { try Self.state(of: directory(for: $0), config: plan.config(for: $0)) }
        // Semantic IDs that cannot be used fail now, not after the runs before the first ESANS
        // run have been trained (one check per file, on the data of the first run reading it).
        var checked = Set<String>()
        for (i, key) in keys.enumerated() {
            if case .finished = states[i] { continue }
            let config = plan.config(for: key)
            guard config.training.sampler.needsSemanticIDs, let path = config.training.semanticIDs, checked.insert(path).inserted else { continue }
            try checkInputs(config)
        }
        try FileManager.default.createDirectory(at: output.appendingPathComponent("runs"), withIntermediateDirectories: true)
        // Temporary files of report writes a killed earlier start never finished (each run's
        // directory is swept by its TrainingRun).
        AtomicFile.removeStaleTemporaries(in: output)
        for (i, key) in keys.enumerated() {
            let dir = directory(for: key)
            let config = plan.config(for: key)
            switch states[i] {
            case .finished(let log):
                logs[key] = log
                progress(.reused(key, index: i + 1, of: keys.count))
            case let s:
                var resuming = false
                if case .unfinished = s { resuming = true }
                progress(.started(key, index: i + 1, of: keys.count, resuming: resuming))
                let t0 = DispatchTime.now().uptimeNanoseconds
                // The observer only lives for this call; progress is not stored.
                let log = try withoutActuallyEscaping(progress) { report in
                    try train(dir, config, true) { report(.training(key, $0)) }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                logs[key] = log
                progress(.finished(key, log, seconds: seconds))
            }
        }
        return logs
    }
}
