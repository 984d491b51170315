import Foundation
import NumCore
import Models
import Runs

/// What `--resume` does with the run in a directory, given the settings asked for now: continue
/// it as planned, extend it to more epochs (``RunExtension``), or refuse.
///
/// Every setting but the number of epochs must be the run's (`config.json`); a refusal names
/// each setting that differs, with both values. More epochs than the run was planned for extend
/// it, finished or interrupted: the epochs after the last finished one follow the schedule of a
/// run planned for the new number, model selection continues over them (and the refit is made
/// again). Fewer epochs, or more for a run that validation stopped early, are refused.
public struct RunResumption: Sendable {
    /// The settings to run with: those asked for, with the run's extensions and, when it is
    /// extended now, the new one.
    public let config: RunConfig
    /// The epochs the run had finished (0: no checkpoint, so it starts from the beginning).
    public let doneEpochs: Int
    /// The epochs the run was planned for before this extension; nil when it is not extended now.
    public let extendedFrom: Int?

    /// Plans the resumption of the run in `directory` with `config`. Reads `config.json` and the
    /// header of `model.safetensors`; writes nothing.
    /// - Throws: ``TensorIOError`` naming `config.json` (its path) when a setting besides the epochs
    ///   differs (each one, with the value given and the run's), when fewer epochs are asked
    ///   for than the run was planned for, or more for a run that stopped early; the checkpoint's
    ///   own errors (damage) otherwise.
    public static func plan(config: RunConfig, directory: URL) throws -> RunResumption {
        let configURL = directory.appendingPathComponent(RunFiles.config)
        let checkpointURL = directory.appendingPathComponent(RunFiles.checkpoint)
        let fm = FileManager.default
        guard fm.fileExists(atPath: configURL.path), fm.fileExists(atPath: checkpointURL.path) else {
            return RunResumption(config: config, doneEpochs: 0, extendedFrom: nil)
        }
        let saved = try RunConfig.read(from: configURL)
        var asked = config
        // A configuration that records no extensions (the options of a command line) takes the run's.
        if asked.training.extensions.isEmpty { asked.training.extensions = saved.training.extensions }
        let differences = asked.differencesBesidesEpochs(from: saved, labels: ("given", "in the run"))
            + (asked.training.extensions == saved.training.extensions ? [] : asked.differences(from: saved, labels: ("given", "in the run"))
                .filter { $0.hasPrefix("training.extensions:") })
        guard differences.isEmpty else {
            throw TensorIOError(file: configURL.path, problem: "the run in this directory was made with other settings: \(differences.joined(separator: "; ")); "
                                + "resume it with its own settings (only --epochs may change, to extend it), or train into a new --output")
        }
        let header = try Checkpoint.readHeader(SafeTensorsFile.read(from: checkpointURL), url: checkpointURL)
        let done = Int(header.metadata["esans.epoch"] ?? "0") ?? 0
        let planned = saved.training.epochs, wanted = asked.training.epochs
        if wanted == planned { return RunResumption(config: asked, doneEpochs: done, extendedFrom: nil) }
        guard wanted > planned else {
            throw TensorIOError(file: configURL.path, problem: "--epochs \(wanted) (training.epochs) is fewer than the \(planned) the run in this directory "
                                + "is planned for (\(done) trained); a run is not shortened: resume it with --epochs \(planned), or more to extend it, "
                                + "or train into a new --output")
        }
        if let json = header.metadata["esans.selection"],
           let selection = try? JSONDecoder().decode(ModelSelection.self, from: Data(json.utf8)), selection.finished {
            throw TensorIOError(file: configURL.path, problem: "the run in this directory stopped early after epoch \(done): validation Recall stopped improving "
                                + "(--patience, or the plateau schedule's last drop), so more epochs would not be trained; to train longer, "
                                + "start a new run (another --output) with a larger --patience or --plateau-drops")
        }
        var extended = asked
        if extended.training.extensions.last?.afterEpoch != done {
            extended.training.extensions.append(RunExtension(afterEpoch: done, plannedEpochs: planned))
        }
        return RunResumption(config: extended, doneEpochs: done, extendedFrom: planned)
    }

    /// One line on the extension, for the run's notes (nil when the run is not extended now).
    public var note: String? {
        guard let from = extendedFrom else { return nil }
        let schedule: String
        switch config.training.lrSchedule {
        case .cosine, .linear:
            schedule = "the learning rate of epochs \(doneEpochs + 1)-\(config.training.epochs) follows the \(config.training.lrSchedule.rawValue) schedule "
                + "of a run planned for \(config.training.epochs) epochs"
        case .constant, .plateau:
            schedule = "the \(config.training.lrSchedule.rawValue) learning-rate schedule is unchanged"
        }
        return "extending the run from \(from) to \(config.training.epochs) epochs after epoch \(doneEpochs): \(schedule)"
            + (config.training.validationFraction > 0 ? "; selection on validation continues over the new epochs"
               + (config.training.refit ? ", and the refit is made again" : "") : "")
    }
}
