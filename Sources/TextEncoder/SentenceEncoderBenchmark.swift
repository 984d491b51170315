import Foundation
import NumCore

/// Timing of the sentence encoder on a list of texts (`esans bench minilm`: the MovieLens item texts).
public enum SentenceEncoderBenchmark {
    /// What one run measured.
    public struct Result: Sendable, CustomStringConvertible {
        /// Number of texts embedded.
        public let texts: Int
        /// Total tokens fed to the model (special tokens included).
        public let tokens: Int
        /// Wall-clock seconds for tokenising and encoding everything.
        public let seconds: Double
        /// Threads of the worker pool used.
        public let threads: Int
        /// Batch size used.
        public let batchSize: Int

        /// Texts per second.
        public var textsPerSecond: Double { Double(texts) / seconds }

        /// Model arithmetic per second (dense layers only, 2 flops per multiply-add), in GFLOP/s.
        public let denseGFLOPs: Double

        /// One line: counts, time, throughput.
        public var description: String {
            String(format: "%d texts (%d tokens) in %.2f s on %d thread(s), batch %d: %.0f texts/s, %.1f GFLOP/s dense",
                   texts, tokens, seconds, threads, batchSize, textsPerSecond, denseGFLOPs)
        }
    }

    /// Embeds `texts` once to warm up caches and the pool (only the first `warmup` texts), then
    /// times embedding all of them.
    public static func run(encoder: SentenceEncoder, texts: [String], batchSize: Int = 32, warmup: Int = 64) -> Result {
        if warmup > 0 { _ = encoder.encode(Array(texts.prefix(warmup)), batchSize: batchSize) }
        let tokens = texts.reduce(0) { $0 + encoder.tokenIDs($1).count }
        let start = DispatchTime.now().uptimeNanoseconds
        _ = encoder.encode(texts, batchSize: batchSize)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let c = encoder.config
        let perToken = 2.0 * Double(c.hiddenSize) * Double(4 * c.hiddenSize + 2 * c.intermediateSize) * Double(c.layerCount)
        return Result(texts: texts.count, tokens: tokens, seconds: seconds, threads: WorkerPool.shared.threadCount,
                      batchSize: batchSize, denseGFLOPs: perToken * Double(tokens) / seconds / 1e9)
    }
}
