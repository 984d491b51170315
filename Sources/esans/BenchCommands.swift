import ArgumentParser
import Foundation
import NumCore
import Evaluation
import Datasets
import Encoders
import Training
import Clustering
import Semantic
import TextEncoder

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print their figures.",
        subcommands: [BenchKernelsCommand.self, BenchEvalCommand.self, BenchLossesCommand.self, BenchKMeansCommand.self, BenchAssignCommand.self, BenchMiniLMCommand.self, BenchImagesCommand.self, BenchCollectivesCommand.self])
}

struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "GEMM GFLOP/s on the workload's shapes, 1 thread and all threads, against the OpenBLAS figures.")

    @Option(help: "Threads for the parallel column (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Timed repetitions per shape (best is kept).") var repeats = 5
    @Option(help: "Only shapes whose name contains this text.") var filter: String?

    func run() throws {
        let pool = WorkerPool(threads: threads)
        print("shape                                   1 thread   \(threads) threads   vs OpenBLAS (1t)  \(threads)t/1t")
        var allPass = true
        for s in KernelBenchmark.standardShapes + KernelBenchmark.trainingStepShapes where filter.map({ s.name.contains($0) }) ?? true {
            let r1 = KernelBenchmark.run(s, pool: nil, repeats: repeats)
            let rn = KernelBenchmark.run(s, pool: pool, repeats: repeats)
            let ratio = r1.gflops / s.openBLAS1T
            allPass = allPass && ratio >= 0.9
            let name = s.name.padding(toLength: 38, withPad: " ", startingAt: 0)
            print(name + String(format: "  %6.1f     %6.1f        %.2fx %@        %.2fx", r1.gflops, rn.gflops,
                                ratio, ratio >= 0.9 ? "ok " : "LOW", rn.gflops / r1.gflops))
        }
        print("GFLOP/s; bar: 1 thread >= 0.9x OpenBLAS 0.3.21 (performance-notes.md, 77 GFLOP/s low end). \(allPass ? "all shapes pass" : "some shapes are below the bar")")
    }
}

struct BenchEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Full-corpus evaluation time on random vectors of a given shape (default: Gowalla).")

    @Option var users = 29_858
    @Option var items = 40_981
    @Option var dim = 64
    @Option(help: "Cut-offs, comma-separated (the largest sets the top-K kept per user).") var cutoffs = "20,50,100,200"

    func run() throws {
        let ks = try cutoffs.split(separator: ",").map { s -> Int in
            guard let k = Int(s), k > 0 else { throw ValidationError("--cutoffs: '\(s)' is not a positive integer") }
            return k
        }.sorted()
        let r = FullCorpusEvaluator.benchmark(users: users, items: items, dim: dim, seed: 1, cutoffs: ks)
        print(String(format: "full-corpus evaluation %d users x %d items x d=%d, K=%d: %.2f s on %d threads", users, items, dim, ks.last!, r.seconds, WorkerPool.shared.threadCount))
    }
}

struct BenchLossesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "losses",
        abstract: "Forward + backward time of each loss on one training batch's shape (interleaved rounds), and its ratio to the softmax.")

    @Option var batch = 1024
    @Option var negatives = 1024
    @Option var dim = 64
    @Option(help: "Interleaved rounds (the median is kept).") var rounds = 7

    func run() throws {
        print("loss      ms / batch   vs softmax   (\(batch) rows x \(negatives) shared negatives, d=\(dim), \(WorkerPool.shared.threadCount) threads)")
        for r in LossBenchmark.run(batch: batch, negatives: negatives, dim: dim, rounds: rounds) {
            print(r.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: "  %8.2f     %.3fx", r.milliseconds, r.ratioToSoftmax))
        }
    }
}

struct BenchKMeansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmeans",
        abstract: "k-means time and objective on the rows of a .npy matrix (e.g. a run's item_embeddings.npy).")

    @Option(help: ".npy file of vectors (float32, rows x dim).") var input: String
    @Option var k = 256
    @Option var iterations = 20
    @Option var runs = 3
    @Option var seed: UInt64 = 1

    func run() throws {
        print(try KMeans.benchmark(input: URL(fileURLWithPath: input), k: k, iterations: iterations, runs: runs, seed: seed))
    }
}

struct BenchMiniLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minilm",
        abstract: "Time the MiniLM sentence encoder on the MovieLens-100K item texts (needs `esans data fetch ml-100k minilm`).")

    @Option var batchSize = 32

    func run() throws {
        guard let model = DataFetcher.locate(.minilm), let ml = DataFetcher.locate(.ml100k) else {
            throw ValidationError("MiniLM or MovieLens-100K is not cached: run `esans data fetch ml-100k minilm`")
        }
        let encoder = try SentenceEncoder(directory: model)
        let texts = try MovieLensItemText.read(itemFile: ml.appendingPathComponent("ml-100k.item")).texts
        print(SentenceEncoderBenchmark.run(encoder: encoder, texts: texts, batchSize: batchSize))
    }
}

struct BenchImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Time the EfficientNet-Lite0 image encoder on the JPEGs of a folder (needs `esans data fetch efficientnet-lite0` and libjpeg).",
        discussion: """
        Decodes, preprocesses (shorter side 256, centre crop 224) and encodes every .jpg/.jpeg of --dir into \
        1280-d features, one image per thread, and prints images/s and the total seconds. The reference \
        fixture of the encoder's tests comes from `python3 scripts/efficientnet_lite0_reference.py`.
        """)

    @Option(help: "Folder of JPEG files (e.g. ../shared/data/ml-1m-posters/images).") var dir: String
    @Option(help: "Encode at most this many images (sorted by name).") var limit: Int?

    func run() throws {
        guard let weights = DataFetcher.locate(.efficientnetLite0) else {
            throw ValidationError("EfficientNet-Lite0 weights are not cached: run `esans data fetch efficientnet-lite0`")
        }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        let directory = URL(fileURLWithPath: dir, isDirectory: true)
        let result = try ImageEncoderBenchmark.run(weights: weights, directory: directory, limit: limit)
        print(ImageEncoderBenchmark.report(result, directory: directory))
    }
}
