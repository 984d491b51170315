import ArgumentParser
import Foundation
import NumCore
import Datasets
import Serving

extension RecommendationFormat: ExpressibleByArgument {}

struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Write the top-K items of every user of a trained run (or of the users listed in a file).",
        discussion: """
        Scores are exact inner products of the final model's user and item vectors, as in `esans evaluate`; \
        by default the items a user saw in training (validation included) are left out. Formats, chosen \
        from the output's extension or --output-format: tsv (user, item, score, rank: one line per \
        recommendation, raw ids), jsonl (one object per user: user, items, scores, raw ids), npy (users x K \
        int32 item indices, -1 where a user has fewer than K items left, and OUTPUT.json, e.g. recs.npy.json, \
        mapping rows to user ids and indices to item ids). The output is written atomically.
        """)

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "Items per user.") var k = 100
    @Option(help: "Output file (.tsv, .jsonl or .npy).") var output: String
    @Option(help: "Output format (default: from the output's extension).")
    var outputFormat: RecommendationFormat?
    @Option(help: "File of raw user ids, one per line (default: every user of the run).") var users: String?
    @Flag(inversion: .prefixedNo, help: "Leave out the items each user saw in training.") var excludeTrain = true
    @Option(help: "Kernel threads (0 = all cores).") var threads = 0

    func validate() throws {
        guard k > 0 else { throw ValidationError("--k must be positive") }
        guard threads >= 0 else { throw ValidationError("--threads must not be negative") }
        guard outputFormat != nil || RecommendationFormat(fileExtensionOf: output) != nil else {
            throw ValidationError("--output \(output): cannot tell the format from the extension; name the file .tsv, .jsonl or .npy, or pass --output-format")
        }
    }

    func run() throws {
        if threads > 0 { WorkerPool.configure(threads: threads) }
        let format = outputFormat ?? RecommendationFormat(fileExtensionOf: output)!
        let t0 = Date()
        let run = try LoadedRun(directory: URL(fileURLWithPath: runDirectory))
        let ds = run.dataset
        let chosen: [Int32] = try users.map { try UserListFile.read(path: $0, users: ds.users) }
            ?? (0..<ds.numUsers).map { Int32($0) }
        let recommender = BatchRecommender(run: run.run, excludeKnown: excludeTrain)
        let columns = recommender.columns(k: k)
        if columns < k { printErr("note: the run has \(run.items.rows) items; writing \(columns) per user") }

        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let writer = try RecommendationWriter(url: url, format: format, k: columns, userIDs: ds.users, itemIDs: run.run.itemIDs,
                                              run: URL(fileURLWithPath: runDirectory).standardizedFileURL.path,
                                              excludeKnown: excludeTrain)
        let bar = ProgressBar(total: chosen.count, label: "recommend", unit: "users")
        var short = 0
        try recommender.recommend(chosen, k: columns) { chunk in
            try writer.append(chunk)
            for r in 0..<chunk.users.count where chunk.count(ofRow: r) < columns { short += 1 }
            bar.update(chunk.first + chunk.users.count)
        }
        try writer.commit()
        print("\(ds.name): top \(columns) of \(run.items.rows) items for \(chosen.count) users"
              + (excludeTrain ? ", training items excluded" : "")
              + String(format: ", %.2fs", Date().timeIntervalSince(t0)))
        if short > 0 { print("note: \(short) users have fewer than \(columns) items left to recommend (rows padded with -1 / shorter lists)") }
        print("wrote \(output)" + (format == .npy ? " and \(output).json" : ""))
    }
}
