import ArgumentParser

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
        subcommands: [TrainCommand.self, EvaluateCommand.self, ExportCommand.self, IndexCommand.self, ServeCommand.self, ClusterCommand.self, CompareCommand.self, SweepCommand.self, DataCommand.self, BenchCommand.self, DemoCommand.self]
    )
}
