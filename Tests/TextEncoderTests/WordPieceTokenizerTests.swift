import Foundation
import Testing
@testable import TextEncoder

/// The word-piece cutter, on a tiny in-test vocabulary (no weights needed).
@Suite struct WordPieceTests {
    static let pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "##a", "##ff",
                         "runn", "##ing", "run", ",", "the", "é", "##s", "##un", "##u"]

    func tokenizer() throws -> WordPieceTokenizer { try WordPieceTokenizer(pieces: Self.pieces) }

    func pieces(_ ids: [Int32], _ t: WordPieceTokenizer) -> [String] { ids.map { t.piece(for: $0) ?? "?" } }

    @Test func greedyLongestMatchFirst() throws {
        let t = try tokenizer()
        #expect(pieces(t.pieceIDs("unaffable running"), t) == ["un", "##aff", "##able", "runn", "##ing"])
        #expect(pieces(t.pieceIDs("run, the"), t) == ["run", ",", "the"])
        #expect(pieces(t.pieceIDs("affa"), t) == ["aff", "##a"])
    }

    @Test func unmatchedWordIsOneUnknown() throws {
        let t = try tokenizer()
        // "unx": "un" matches but "##x" does not, so the whole word becomes [UNK].
        #expect(pieces(t.pieceIDs("the unx run"), t) == ["the", "[UNK]", "run"])
    }

    @Test func overlongWordIsUnknown() throws {
        let t = try tokenizer()
        let long = String(repeating: "un", count: 50)  // 100 scalars: still cut
        #expect(pieces(t.pieceIDs(long), t) == ["un"] + Array(repeating: "##un", count: 49))
        #expect(pieces(t.pieceIDs("unu"), t) == ["un", "##u"])
        #expect(t.pieceIDs(long + "u") == [t.unknownID])  // 101 scalars
    }

    @Test func lookupComparesScalarsExactly() throws {
        // "é" in the vocabulary is precomposed; the basic tokenizer strips the accent first,
        // so "é" in text becomes "e", which is not in this vocabulary.
        let t = try tokenizer()
        #expect(t.pieceIDs("é") == [t.unknownID])
        #expect(t.id(of: "é") == 15)
        #expect(t.id(of: "e\u{0301}") == nil)  // canonically equivalent, but not the same scalars
    }

    @Test func encodeAddsSpecialTokensAndTruncates() throws {
        let t = try tokenizer()
        #expect(t.encode("run the", maxLength: 256) == [2, 12, 14, 3])
        #expect(t.encode("", maxLength: 256) == [2, 3])
        #expect(t.encode("run the run", maxLength: 4) == [2, 12, 14, 3])
        #expect(t.encode("run the run", maxLength: 1) == [2, 3])
    }

    @Test func readsVocabularyFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("semantic-vocab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("vocab.txt")
        try (Self.pieces.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        let t = try WordPieceTokenizer(vocabulary: url)
        #expect(t.vocabularySize == Self.pieces.count)
        #expect(t.clsID == 2 && t.sepID == 3 && t.unknownID == 1 && t.padID == 0)
        #expect(pieces(t.pieceIDs("unaffable"), t) == ["un", "##aff", "##able"])
    }

    @Test func missingFilesAndTokensAreReported() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/semantic/vocab.txt")
        #expect(throws: TextEncoderError.self) { try WordPieceTokenizer(vocabulary: missing) }
        do {
            _ = try WordPieceTokenizer(pieces: ["[PAD]", "[UNK]", "[CLS]"])
            Issue.record("expected an error for a vocabulary without [SEP]")
        } catch let e as TextEncoderError {
            #expect(e.description.contains("[SEP]"))
        }
    }
}
