import ArgumentParser
import Foundation
import NumCore
import Serving

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build and evaluate the IVF retrieval index of a run.",
        subcommands: [IndexBuildCommand.self, IndexEvalCommand.self])
}

struct IndexBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build an IVF index over a run's item vectors (lists: MSAC primary clusters, or k-means).",
        discussion: """
        With --msac DIR the lists are the MSAC primary clusters of DIR/semantic_ids.tsv (from `esans cluster` \
        on the same data); without it a k-means with --lists centres is fitted to the item vectors. Each list's \
        centroid is the normalised mean of its items' vectors. Then recall@K at the default --nprobe is \
        measured against exact search on a seeded sample of the run's users (their training items excluded), \
        printed, and recorded in the index (`esans serve` reports it). Below --min-recall the index is not \
        written: the message names the nprobe that reaches it, if any; --allow-low-recall writes it anyway. \
        Writes INDEXDIR/ivf.safetensors.
        """)

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "MSAC output directory (semantic_ids.tsv, msac.safetensors) whose primary clusters become the lists.") var msac: String?
    @Option(help: "Lists of the k-means partition when no --msac is given.") var lists = 256
    @Option(help: "Lists probed by default when serving.") var nprobe = 16
    @Option(help: "Seed of the k-means and of the users the recall is measured on.") var seed: UInt64 = 1
    @Option(help: "K of the recall@K measured against exact search.") var recallK = 100
    @Option(help: "Users the recall is measured on (0 = all).") var recallQueries = 1000
    @Option(help: "Recall@K at the default --nprobe below which the index is refused.") var minRecall = IndexRecall.defaultMinimum
    @Flag(help: "Write the index even when its recall is below --min-recall (with a warning).") var allowLowRecall = false
    @Option(help: "Index directory to write.") var output: String

    func validate() throws {
        guard nprobe > 0 else { throw ValidationError("--nprobe must be positive") }
        guard recallK > 0, recallQueries >= 0 else { throw ValidationError("--recall-k must be positive and --recall-queries not negative") }
        guard (0...1).contains(minRecall) else { throw ValidationError("--min-recall must lie in [0, 1]") }
    }

    func run() throws {
        let t0 = Date()
        let loaded = try LoadedRun(directory: URL(fileURLWithPath: runDirectory))
        let items = loaded.items
        let index: IVFIndex
        var meta = ["run": runDirectory]
        do {
            if let msac {
                index = try IVFBuilder.fromMSAC(URL(fileURLWithPath: msac), items: items, itemIDs: loaded.run.itemIDs,
                                                dataFingerprint: loaded.run.dataFingerprint, defaultProbes: nprobe)
                meta["source"] = "msac"
                meta["msac"] = msac
            } else {
                guard lists > 0 else { throw ValidationError("--lists must be positive") }
                index = IVFBuilder.fromKMeans(items: items, lists: lists, seed: seed, defaultProbes: nprobe)
                meta["source"] = "kmeans"
                meta["seed"] = String(seed)
            }
        } catch let e as ServingError { throw ValidationError(e.message) }
        let sizes = (0..<index.lists).map { index.listOffsets[$0 + 1] - index.listOffsets[$0] }.sorted()
        print("\(loaded.dataset.name): \(index.count) items x \(index.dimension), \(index.lists) lists from \(meta["source"]!) " +
              "(sizes min \(sizes.first!), median \(sizes[sizes.count / 2]), max \(sizes.last!), empty \(sizes.filter { $0 == 0 }.count))")
        let recall = try checkedRecall(index, loaded: loaded)
        meta.merge(recall.metadata) { _, measured in measured }
        try IVFIndexFile.write(index, items: items, metadata: meta, dataFingerprint: loaded.run.dataFingerprint, to: URL(fileURLWithPath: output))
        print("wrote \(output)/\(IVFIndexFile.fileName) in \(String(format: "%.1f", Date().timeIntervalSince(t0)))s")
    }

    /// Measures the index's recall at its default nprobe and prints it; below --min-recall,
    /// refuses (nothing is written) or, with --allow-low-recall, warns.
    private func checkedRecall(_ index: IVFIndex, loaded: LoadedRun) throws -> IndexRecall {
        func measure(_ probes: [Int]) -> [IndexRecall] {
            IndexRecall.measure(ivf: index, items: loaded.items, userVectors: loaded.users, known: loaded.run.known,
                                k: recallK, queries: recallQueries, seed: seed, probes: probes)
        }
        let recall = measure([index.defaultProbes])[0]
        print("\(recall.summary), against exact search")
        guard recall.recall < minRecall else { return recall }
        let larger = measure(IndexRecall.largerProbes(than: index.defaultProbes, lists: index.lists))
        let hint = larger.first { $0.recall >= minRecall }.map { String(format: "--nprobe %d reaches %.4f", $0.nprobe, $0.recall) }
            ?? "no nprobe below every list reaches it"
        let problem = String(format: "recall@%d %.4f at nprobe %d is below --min-recall %g: on average the index would miss %.0f%% of exact search's top %d. ",
                             recall.k, recall.recall, recall.nprobe, minRecall, (1 - recall.recall) * 100, recall.k)
            + hint + (msac != nil ? "; k-means lists (no --msac, --lists N) usually do better than MSAC clusters" : "")
        if allowLowRecall {
            printErr("warning: " + problem + " (written anyway: --allow-low-recall)")
            return recall
        }
        throw ServingError(.badInput, problem + "; --allow-low-recall writes it anyway. Nothing written.")
    }
}

struct IndexEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Recall@K of the IVF index against exact search, and queries per second, for several nprobe values.",
        discussion: """
        Queries are the vectors of a seeded sample of the run's users, with their training items excluded. \
        Throughput is batched (exact: sgemm over blocks of 64 queries then top-K per query; IVF: one query \
        per task), on all kernel threads; latency is one query at a time. Writes eval.json, eval.md and \
        recall_qps.svg into --output (default: the index directory).
        """)

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "Index directory written by `esans index build`.") var index: String
    @Option(help: "Cut-off K of recall@K.") var k = 100
    @Option(help: "nprobe values, comma-separated.") var nprobe = "1,2,4,8,16,32,64"
    @Option(help: "Number of query users (0 = all).") var queries = 5000
    @Option(help: "Queries timed one at a time for latency.") var latencyQueries = 1000
    @Option(help: "Rounds of batched timings (each times exact and every nprobe once; the fastest round counts).") var repeats = 5
    @Option(help: "Seed of the query sample.") var seed: UInt64 = 1
    @Option(help: "Kernel threads (0 = all cores).") var threads = 0
    @Option(help: "Output directory (default: the index directory).") var output: String?

    func run() throws {
        if threads > 0 { WorkerPool.configure(threads: threads) }
        let probes = try nprobe.split(separator: ",").map { s -> Int in
            guard let v = Int(s), v > 0 else { throw ValidationError("--nprobe: '\(s)' is not a positive integer") }
            return v
        }
        let loaded = try LoadedRun(directory: URL(fileURLWithPath: runDirectory))
        let ivf: IVFIndex
        do { ivf = try IVFIndexFile.read(from: URL(fileURLWithPath: index), items: loaded.items, dataFingerprint: loaded.run.dataFingerprint).index } catch let e as ServingError {
            throw ValidationError(e.message)
        }
        let ds = loaded.dataset
        let users = IndexRecall.sampleUsers(count: queries, of: ds.numUsers, seed: seed)
        let q = IndexRecall.queryMatrix(users, from: loaded.users)
        let train = loaded.run.known
        let picked = users
        print("\(ds.name): \(users.count) query users, \(ds.numItems) items, \(ivf.lists) lists, K = \(k), \(WorkerPool.shared.threadCount) threads")
        let e = IndexEvaluation.run(exact: ExactIndex(items: loaded.items), ivf: ivf, queries: q, k: k, probes: probes,
                                    latencyQueries: latencyQueries, repeats: repeats, excluding: { Array(train.items(of: picked[$0])) }) { print($0) }
        let out = URL(fileURLWithPath: output ?? index)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(enc.encode(e), to: out.appendingPathComponent("eval.json"))
        try AtomicFile.writeText(e.markdown, to: out.appendingPathComponent("eval.md"))
        try AtomicFile.writeText(RecallQPSChart.svg(e, title: "\(ds.name): IVF (\(ivf.lists) lists) vs exact, recall@\(k)"),
                                 to: out.appendingPathComponent("recall_qps.svg"))
        print(e.markdown)
        print("wrote \(out.path)/{eval.json, eval.md, recall_qps.svg}")
    }
}
