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
    /// ... > log`) shows each line as it happens, then runs the command line.
    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        Self.main(nil as [String]?)
    }
}
