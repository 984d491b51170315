import ArgumentParser
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// The `esans` command-line tool.
@main
struct ESANS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esans",
        abstract: "Train, evaluate and export two-tower retrieval models with strong negative sampling.",
        discussion: """
        Start with `esans demo`. Train on your data with `esans train --data DIR --format lightgcn|recbole|csv|tsv`.
        Every random choice follows --seed; the same seed and thread count give the same numbers.
        """,
        subcommands: [TrainCommand.self, EvaluateCommand.self, BaselineCommand.self, ExportCommand.self, IndexCommand.self, ServeCommand.self, ClusterCommand.self, CompareCommand.self, SweepCommand.self, RecommendCommand.self, DataCommand.self, BenchCommand.self, DemoCommand.self]
    )

    /// Line-buffers standard output, so that a log redirected to a file (`nohup esans compare
    /// ... > log`) shows each line as it happens, then runs the command line. Errors from a
    /// command's `run()` are reported as a person reads them: a validation error with the
    /// subcommand's usage (not the top level's), exit 64; any other as one sentence (file-system
    /// errors name the operation, the path and the reason; see ``ReadableError``), exit 1.
    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        var command: ParsableCommand
        do { command = try parseAsRoot(nil) } catch { exit(withError: error) }
        if let refusal = Ranks.refusal(for: command) {
            printErr("Error: " + refusal)
            exit(withError: ExitCode.validationFailure)
        }
        do {
            try command.run()
        } catch let e as ValidationError {
            let usage = usageString(for: type(of: command))
            printErr("Error: \(e.message)\nUsage: \(usage)\n  See '\(ReadableError.commandPath(usage: usage)) --help' for more information.")
            exit(withError: ExitCode.validationFailure)
        } catch {
            guard let message = ReadableError.message(for: error) else { exit(withError: error) }
            printErr("Error: " + message)
            exit(withError: ExitCode.failure)
        }
    }
}
