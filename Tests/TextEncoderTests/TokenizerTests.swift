import Foundation
import Testing
@testable import TextEncoder

/// The basic tokenizer and the word-piece cutter, on a tiny in-test vocabulary (no weights
/// needed).
@Suite struct BasicTokenizerTests {
    let basic = BasicTokenizer()

    @Test func lowercasesAndSplitsOnWhitespace() {
        #expect(basic.tokenize("  Hello\tWORLD\n again\r\n") == ["hello", "world", "again"])
        #expect(basic.tokenize("") == [])
        #expect(basic.tokenize(" \u{00A0}\u{3000} ") == [])  // no-break and ideographic spaces (Zs)
    }

    @Test func stripsAccents() {
        #expect(basic.tokenize("Café crème BRÛLÉE") == ["cafe", "creme", "brulee"])
        // Decomposed input (e + combining acute) gives the same result.
        #expect(basic.tokenize("Cafe\u{0301}") == ["cafe"])
        #expect(basic.tokenize("Ünïcödé naïveté") == ["unicode", "naivete"])
    }

    @Test func keepsAccentsWhenCased() {
        let cased = BasicTokenizer(lowercase: false)
        #expect(cased.tokenize("Café Crème") == ["Café", "Crème"])
    }

    @Test func splitsPunctuation() {
        #expect(basic.tokenize("Hello, world!") == ["hello", ",", "world", "!"])
        #expect(basic.tokenize("Children's") == ["children", "'", "s"])
        #expect(basic.tokenize("$9.99+tax") == ["$", "9", ".", "99", "+", "tax"])  // ASCII symbols count
        #expect(basic.tokenize("a--b") == ["a", "-", "-", "b"])
        #expect(basic.tokenize("«quoted»…") == ["«", "quoted", "»", "…"])  // Unicode P*
    }

    @Test func isolatesCJKIdeographs() {
        #expect(basic.tokenize("我爱北京") == ["我", "爱", "北", "京"])
        #expect(basic.tokenize("ab中cd") == ["ab", "中", "cd"])
        // Hiragana is not in the CJK ideograph blocks: it stays one word (and loses its
        // voicing mark, U+3099 after decomposition, as BERT's accent stripping does).
        #expect(basic.tokenize("ひらがな") == ["ひらかな"])
    }

    @Test func dropsControlCharacters() {
        #expect(basic.tokenize("a\u{0000}b\u{200B}c\u{FFFD}d\u{0007}") == ["abcd"])  // U+200B is Cf
        #expect(basic.tokenize("x\u{2028}y") == ["x", "y"])  // line separator is white space
    }
}

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
