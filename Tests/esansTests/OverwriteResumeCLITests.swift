import Foundation
import Testing
import TestSupport

/// Issue 16 for a run folder: a finished run is replaced only with `--overwrite` (`--force`
/// still works), `--resume` continues with the run's own settings, `--resume --epochs N`
/// extends it the same way every time, and a refused resume names every differing setting with
/// both values and changes nothing.
@Suite(.serialized) struct OverwriteResumeCLITests {
    static let first = ["train", "--data", "synthetic", "--epochs", "2", "--dim", "8", "--negatives", "16", "--validation", "0.2", "--eval-every", "1"]

    /// The final test metrics of a run, from its metrics.json.
    static func finalMetrics(_ run: URL) throws -> [String: Double] {
        let log = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("metrics.json"))) as? [String: Any]
        let final = log?["final"] as? [String: Double] ?? [:]
        return final.filter { !$0.key.contains("seconds") }
    }

    static func training(_ run: URL) throws -> [String: Any] {
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("config.json"))) as? [String: Any]
        return config?["training"] as? [String: Any] ?? [:]
    }

    @Test func resumeExtendsARunTheSameWayEveryTime() throws {
        let tmp = TempDir()
        let a = tmp.file("a"), b = tmp.file("b")
        for run in [a, b] {
            let trained = try CLI.run(Self.first + ["--output", run.path])
            #expect(trained.code == 0, "\(trained.err)")
        }
        // Without --resume or --overwrite the run is kept, and the message names both.
        let refused = try CLI.run(["train", "--data", "synthetic", "--epochs", "4", "--output", a.path])
        #expect(refused.code == 64 && refused.err.contains("already holds a run") && refused.err.contains("--resume --epochs N")
                && refused.err.contains("--overwrite"), "\(refused.err)")
        let both = try CLI.run(["train", "--resume", "--overwrite", "--output", a.path])
        #expect(both.code == 64 && both.err.contains("give one of them"), "\(both.err)")

        // --resume reads the run's settings; --epochs 4 extends it, the same way for both copies.
        var extended: [[String: Double]] = []
        for run in [a, b] {
            let more = try CLI.run(["train", "--resume", "--epochs", "4", "--output", run.path])
            #expect(more.code == 0, "\(more.err)")
            #expect(more.out.contains("resuming after epoch 2") && more.out.contains("extending the run from 2 to 4 epochs after epoch 2")
                    && more.out.contains("selection on validation continues over the new epochs, and the refit is made again"), "\(more.out)")
            extended.append(try Self.finalMetrics(run))
        }
        #expect(extended[0] == extended[1] && extended[0]["recall@20"] != nil, "\(extended)")
        #expect(extended[0]["epochs_trained"] == 4, "\(extended[0])")
        let t = try Self.training(a)
        #expect(t["epochs"] as? Int == 4, "\(t)")
        #expect((t["extensions"] as? [[String: Int]]) == [["afterEpoch": 2, "plannedEpochs": 2]], "\(t)")

        // Fewer epochs, or other settings: refused, naming each setting with both values; nothing changes.
        let config = try Data(contentsOf: a.appendingPathComponent("config.json"))
        let fewer = try CLI.run(["train", "--resume", "--epochs", "3", "--output", a.path])
        #expect(fewer.code != 0 && fewer.err.contains("--epochs 3 (training.epochs) is fewer than the 4"), "\(fewer.err)")
        let other = try CLI.run(["train", "--resume", "--epochs", "6", "--seed", "9", "--dim", "16", "--output", a.path])
        #expect(other.code != 0, "\(other.out)")
        for part in ["training.seed: 9 given, 1 in the run", "model.dim: 16 given, 8 in the run", "only --epochs may change"] {
            #expect(other.err.contains(part), "\(other.err)")
        }
        #expect(try Data(contentsOf: a.appendingPathComponent("config.json")) == config, "a refused resume writes nothing")
        #expect(try Self.finalMetrics(a) == extended[0])
    }

    @Test func overwriteReplacesARunAndForceStillDoes() throws {
        let tmp = TempDir()
        let run = tmp.file("run")
        #expect(try CLI.run(Self.first + ["--output", run.path]).code == 0)
        let replaced = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--negatives", "16", "--validation", "0",
                                    "--overwrite", "--output", run.path])
        #expect(replaced.code == 0, "\(replaced.err)")
        for name in ["best.safetensors", "refit.safetensors", "final.safetensors"] {
            #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent(name).path), "\(name) of the replaced run is gone")
        }
        let replacedEpochs = try Self.training(run)["epochs"] as? Int
        #expect(replacedEpochs == 1)
        let help = try CLI.run(["train", "--help"])
        #expect(help.out.contains("--overwrite") && !help.out.contains("--force"), "--force is a hidden alias")
        let forced = try CLI.run(["train", "--data", "synthetic", "--epochs", "2", "--dim", "8", "--negatives", "16", "--validation", "0",
                                  "--force", "--output", run.path])
        let epochs = try Self.training(run)["epochs"] as? Int
        #expect(forced.code == 0 && epochs == 2, "\(forced.err)")
    }
}
