import Foundation
import Testing
import TestSupport

/// The `esans` executable, run as a user would: exit codes, messages, `--help`, and a run on
/// generated data. The binary is built beside the test bundle (this target depends on it).
struct CLI {
    static let binary: URL = {
        var dir = Bundle.main.bundleURL
        // swift-corelibs-xctest runs from <build>/debug/esansPackageTests.xctest.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("esans").path) && dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("esans")
    }()

    /// Runs `esans args` and returns its exit code, standard output and standard error.
    static func run(_ args: [String], in directory: URL? = nil, environment: [String: String]? = nil) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

@Suite(.serialized) struct CLITests {
    static let subcommands: [[String]] = [
        [], ["train"], ["evaluate"], ["baseline"], ["export"], ["index"], ["index", "build"], ["serve"], ["cluster"], ["cluster", "assign"], ["compare"], ["sweep"],
        ["data"], ["data", "info"], ["data", "fetch"], ["bench"], ["demo"], ["recommend"],
    ]

    @Test(arguments: CLITests.subcommands)
    func everySubcommandHasHelp(_ path: [String]) throws {
        let (code, out, _) = try CLI.run(path + ["--help"])
        #expect(code == 0, "\(path) --help exited \(code)")
        #expect(out.contains("USAGE:") && out.contains("--help"), "\(path): \(out.prefix(200))")
    }

    /// A bad training setting is reported at parse time with the subcommand's usage, and
    /// writes nothing.
    @Test(arguments: [["train"], ["compare", "--losses", "softmax,bsl"]])
    func badSettingsShowTheSubcommandsUsage(_ command: [String]) throws {
        let tmp = TempDir()
        let out = tmp.file("out")
        let (code, _, err) = try CLI.run(command + ["--data", "synthetic", "--epochs", "0", "--output", out.path])
        #expect(code == 64, "exit \(code)")
        #expect(err.contains("--epochs") && err.contains("must be positive"), "\(err)")
        #expect(err.contains("Usage: esans \(command[0])"), "\(err)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// More primary clusters than items is refused before anything is written.
    @Test func clusterRefusesMoreClustersThanItems() throws {
        let tmp = TempDir()
        let data = tmp.file("data"), out = tmp.file("msac")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        // 6 users over 10 items (LightGCN layout: "user item item ...").
        let train = (0..<6).map { u in ([u] + (0..<5).map { (u + $0) % 10 }).map(String.init).joined(separator: " ") }.joined(separator: "\n") + "\n"
        let test = (0..<6).map { u in "\(u) \((u + 5) % 10)" }.joined(separator: "\n") + "\n"
        try train.write(to: data.appendingPathComponent("train.txt"), atomically: true, encoding: .utf8)
        try test.write(to: data.appendingPathComponent("test.txt"), atomically: true, encoding: .utf8)
        let (code, _, err) = try CLI.run(["cluster", "--data", data.path, "--format", "lightgcn", "--kp", "11", "--ks", "2", "--output", out.path])
        #expect(code == 64, "exit \(code): \(err)")
        #expect(err.contains("--kp 11") && err.contains("10 items"), "\(err)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// Every enum-valued option: an unknown value exits with the usage code (64) and a message
    /// that names the option and lists the accepted values.
    @Test(arguments: [
        (["train", "--loss", "hinge"], "--loss", "softmax"),
        (["train", "--sampler", "random"], "--sampler", "esans"),
        (["train", "--lr-schedule", "step"], "--lr-schedule", "plateau"),
        (["train", "--format", "parquet"], "--format", "lightgcn"),
        (["train", "--split", "half"], "--split", "time:RATIO"),
        (["train", "--lambda-rule", "adaptive"], "--lambda-rule", "semihard"),
        (["train", "--easy-proposal", "popular"], "--easy-proposal", "cluster, item, popularity"),
        (["compare", "--regime", "huge"], "--regime", "production"),
        (["compare", "--samplers", "uns,random"], "--samplers", "mixgcf"),
        (["sweep", "--param", "depth", "--values", "1"], "--param", "lambda"),
        (["baseline", "--method", "userknn"], "--method", "itemknn"),
    ])
    func unknownEnumValuesNameTheOptionAndTheAcceptedValues(_ args: [String], _ option: String, _ accepted: String) throws {
        let tmp = TempDir()
        let (code, _, err) = try CLI.run(args + ["--data", "synthetic", "--output", tmp.file("out").path])
        #expect(code == 64, "\(args): exit \(code)")
        #expect(err.contains(option) && err.contains(accepted), "\(args): \(err)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("out").path), "a rejected command writes nothing")
    }

    /// A config.json with an unknown value: `esans evaluate` names the file, the setting and
    /// the accepted values.
    @Test(arguments: [
        ("\"sampler\" : \"uns\"", "\"sampler\" : \"random\"", "training.sampler", "uns, pns"),
        ("\"kind\" : \"softmax\"", "\"kind\" : \"hinge\"", "training.loss.kind", "softmax, bsl"),
        ("\"lrSchedule\" : \"cosine\"", "\"lrSchedule\" : \"step\"", "training.lrSchedule", "constant, cosine"),
    ])
    func unknownValuesInConfigJSONAreNamed(_ original: String, _ replacement: String, _ setting: String, _ accepted: String) throws {
        let tmp = TempDir()
        let run = tmp.file("run")
        let trained = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--negatives", "16",
                                   "--loss", "softmax", "--lr-schedule", "cosine", "--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        let configURL = run.appendingPathComponent("config.json")
        let text = try String(contentsOf: configURL, encoding: .utf8)
        #expect(text.contains(original), "config.json lacks \(original)")
        try text.replacingOccurrences(of: original, with: replacement).write(to: configURL, atomically: true, encoding: .utf8)
        let (code, _, err) = try CLI.run(["evaluate", "--run", run.path])
        #expect(code != 0)
        #expect(err.contains("config.json") && err.contains(setting) && err.contains(accepted), "\(err)")
    }

    @Test func trainsOnGeneratedDataAndEvaluates() throws {
        let tmp = TempDir()
        let run = tmp.file("run")
        let (code, out, err) = try CLI.run(["train", "--data", "synthetic", "--epochs", "2", "--dim", "8", "--negatives", "32",
                                            "--lr-schedule", "plateau", "--output", run.path])
        #expect(code == 0, "\(err)")
        // By default a run selects its stopping point on validation, then refits on all training data.
        #expect(out.contains("selected on validation") && out.contains("refit on all training data") && out.contains("final (test split"), "\(out)")
        for name in ["config.json", "metrics.json", "model.safetensors", "best.safetensors", "refit.safetensors", "final.safetensors",
                     "embeddings/item_embeddings.npy"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(name).path), "missing \(name)")
        }
        // The run is never overwritten by accident; --overwrite (or its earlier name --force,
        // kept for scripts) replaces it (and its selection files).
        let again = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--output", run.path])
        #expect(again.code == 64 && again.err.contains("already holds a run") && again.err.contains("--overwrite"), "\(again.err)")
        let evaluated = try CLI.run(["evaluate", "--run", run.path])
        #expect(evaluated.code == 0 && evaluated.out.contains("recall"), "\(evaluated.err)")
        // A missing run directory is an error that names it, not a crash.
        let missing = try CLI.run(["evaluate", "--run", tmp.file("nothing").path])
        #expect(missing.code != 0 && missing.err.contains("nothing"), "\(missing.err)")
        let forced = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--validation", "0", "--force", "--output", run.path])
        #expect(forced.code == 0, "\(forced.err)")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("best.safetensors").path), "a replaced run leaves no selection files")
    }

    /// `esans baseline`: bad settings exit 64 with the subcommand's usage and write nothing; a
    /// run prints the test table and writes metrics.json, which is not overwritten without --force.
    @Test func baselineOnGeneratedData() throws {
        let tmp = TempDir()
        let out = tmp.file("pop")
        for bad in [["--method", "pop", "--neighbors", "10"], ["--method", "itemknn", "--neighbors", "0"], ["--method", "itemknn", "--shrink", "-1"]] {
            let (code, _, err) = try CLI.run(["baseline", "--data", "synthetic"] + bad + ["--output", out.path])
            #expect(code == 64 && err.contains("Usage: esans baseline"), "\(bad): exit \(code), \(err)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
        let (code, stdout, err) = try CLI.run(["baseline", "--data", "synthetic", "--method", "pop", "--output", out.path])
        #expect(code == 0, "\(err)")
        #expect(stdout.contains("validation: recall@20") && stdout.contains("final (test split") && stdout.contains("fitted on train+validation"), "\(stdout)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("metrics.json").path))
        let again = try CLI.run(["baseline", "--data", "synthetic", "--method", "pop", "--output", out.path])
        #expect(again.code == 64 && again.err.contains("--force"), "\(again.err)")
        let forced = try CLI.run(["baseline", "--data", "synthetic", "--method", "itemknn", "--neighbors", "20", "--validation", "0", "--force", "--output", out.path])
        #expect(forced.code == 0 && !forced.out.contains("validation:"), "\(forced.err)")
    }
}
