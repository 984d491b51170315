import Foundation
import Testing
@testable import TextEncoder

/// The text encoder's progress callback.
struct SentenceEncoderProgressTests {
    /// The text encoder reports after every batch.
    @Test func sentenceEncoderReportsBatches() throws {
        let model = TinyBertModel()
        let dir = try model.write()
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder(directory: dir)
        let texts = (0..<11).map { "the cat sat on mat \($0)" }
        var calls: [(Int, Int)] = []
        _ = encoder.encode(texts, batchSize: 4) { calls.append(($0, $1)) }
        #expect(calls.map(\.0) == [4, 8, 11] && calls.allSatisfy { $0.1 == 11 })
    }
}
