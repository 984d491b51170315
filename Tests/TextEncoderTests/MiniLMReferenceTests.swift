import Foundation
import NumCore
import Testing
@testable import TextEncoder

/// The cached all-MiniLM-L6-v2 files, shared by the tests that need the real weights.
enum MiniLMFixture {
    static let directory = SentenceEncoder.cachedMiniLMDirectory
    static let weightsAvailable = directory != nil
    static let skipMessage: Comment = "MiniLM weights not cached: run `esans data fetch minilm`"
    /// Loaded once for all tests.
    static let encoder: SentenceEncoder? = directory.flatMap { try? SentenceEncoder(directory: $0) }
    static let benchEnabled = ProcessInfo.processInfo.environment["ESANS_BENCH"] == "1"

    static func cosine(_ a: UnsafePointer<Float>, _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in b.indices {
            dot += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i])
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}

/// all-MiniLM-L6-v2 against reference outputs of the Python sentence-transformers model
/// (``ReferenceEmbeddings``, ``ReferenceTokenIDs``).
@Suite(.enabled(if: MiniLMFixture.weightsAvailable, MiniLMFixture.skipMessage))
struct MiniLMReferenceTests {
    @Test func loadsTheModel() throws {
        let encoder = try #require(MiniLMFixture.encoder)
        #expect(encoder.dimension == 384)
        #expect(encoder.maxSequenceLength == 256)
        #expect(encoder.config == BertConfig())
        #expect(encoder.tokenizer.vocabularySize == 30_522)
    }

    @Test func tokenIDsMatchPython() throws {
        let encoder = try #require(MiniLMFixture.encoder)
        for reference in ReferenceTokenIDs.all {
            #expect(encoder.tokenIDs(reference.text) == reference.ids, "\(reference.text.prefix(60).debugDescription)")
        }
    }

    /// The sentences checked: all of them in release builds or with `ESANS_BENCH=1`; in debug
    /// builds (where the GEMM runs unoptimised, ~1 s per 5 tokens) three short ones.
    static var checkedReferences: [ReferenceEmbedding] {
        #if DEBUG
        if !MiniLMFixture.benchEnabled {
            let short: Set = ["Toy Story (1995). Genres: Animation, Children's, Comedy", "Café crème brûlée", "a"]
            return ReferenceEmbeddings.all.filter { short.contains($0.text) }
        }
        #endif
        return ReferenceEmbeddings.all
    }

    @Test func embeddingsMatchPython() throws {
        let encoder = try #require(MiniLMFixture.encoder)
        let references = Self.checkedReferences
        let got = encoder.encode(references.map(\.text), batchSize: 4)
        #expect(got.rows == references.count && got.cols == 384)
        for (i, reference) in references.enumerated() {
            let cosine = MiniLMFixture.cosine(got.row(i), reference.embedding)
            let norm = VectorMath.dot(got.row(i), got.row(i), 384).squareRoot()
            print(String(format: "MiniLM cosine %.9f (1 - cos = %.2e)  %@", cosine, 1 - cosine, String(reference.text.prefix(50)).debugDescription))
            #expect(cosine >= 0.999, "\(reference.text.prefix(60).debugDescription): cosine \(cosine)")
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test func oneTextAtATimeGivesTheSameEmbedding() throws {
        let encoder = try #require(MiniLMFixture.encoder)
        let texts = ["Café crème brûlée", "GoldenEye", "a"]
        let together = encoder.encode(texts)
        for (i, text) in texts.enumerated() {
            let alone = encoder.encode([text])
            #expect(MiniLMFixture.cosine(alone.row(0), together.rowArray(i)) > 0.999_999)
        }
    }
}
