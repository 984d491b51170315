import Datasets
import Foundation
import Testing
@testable import Semantic
@testable import TextEncoder

/// Throughput on the 1,682 MovieLens-100K item texts; only with `ESANS_BENCH=1`, e.g.
/// `ESANS_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter SentenceEncoderBenchmarkTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ESANS_BENCH"] == "1" && SentenceEncoder.cachedMiniLMDirectory != nil,
                "set ESANS_BENCH=1 (and fetch minilm and ml-100k) to run the encoder benchmark"))
struct SentenceEncoderBenchmarkTests {
    @Test func movieLens100KItemTexts() throws {
        let encoder = try SentenceEncoder.cachedMiniLM()
        let itemFile = DataFetcher.locate(.ml100k)?.appendingPathComponent("ml-100k.item")
        let texts = try MovieLensItemText.read(itemFile: try #require(itemFile)).texts
        #expect(texts.count == 1682)
        print("first texts:", texts.prefix(3))
        for batchSize in [32, 64, 128] {
            let result = SentenceEncoderBenchmark.run(encoder: encoder, texts: texts, batchSize: batchSize)
            print("MiniLM benchmark:", result)
        }
    }
}
