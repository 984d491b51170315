import Foundation

/// BERT's tokenizer: ``BasicTokenizer`` splits text into words, then each word is cut into
/// word pieces greedily, longest match first, against a vocabulary (`vocab.txt`, one piece a
/// line, the id being the 0-based line number). Pieces after the first of a word carry the
/// `##` prefix. A word with no complete cut, or of more than ``maxCharactersPerWord``
/// Unicode scalars, becomes the single id of `[UNK]`.
///
/// Vocabulary look-ups compare Unicode scalars exactly (not Swift's canonical-equivalence
/// `String` equality), as the Python tokenizers do.
public struct WordPieceTokenizer: Sendable {
    /// Words longer than this many Unicode scalars map to `[UNK]`.
    public static let maxCharactersPerWord = 100

    /// The text splitter run before word pieces are looked up.
    public let basic: BasicTokenizer
    /// Number of entries in the vocabulary (the largest id plus one).
    public let vocabularySize: Int
    /// Id of `[CLS]`, put first in every encoded text.
    public let clsID: Int32
    /// Id of `[SEP]`, put last in every encoded text.
    public let sepID: Int32
    /// Id of `[UNK]`, used for words that cannot be cut into pieces.
    public let unknownID: Int32
    /// Id of `[PAD]` (0 in BERT vocabularies).
    public let padID: Int32

    /// Piece (as scalar values) to id.
    private let ids: [[UInt32]: Int32]
    /// Id to piece.
    private let pieces: [String]

    /// Reads the vocabulary file at `vocabulary` (`vocab.txt`: UTF-8, one piece a line).
    /// - Throws: ``TextEncoderError`` naming the file when it cannot be read, is not UTF-8, or
    ///   lacks one of `[CLS]`, `[SEP]`, `[UNK]`, `[PAD]`.
    public init(vocabulary: URL, basic: BasicTokenizer = BasicTokenizer()) throws {
        let file = vocabulary.lastPathComponent
        guard let data = try? Data(contentsOf: vocabulary) else {
            throw TextEncoderError(file: file, problem: "cannot read \(vocabulary.path)")
        }
        var lines: [String] = []
        var lineStart = data.startIndex
        for i in data.indices where data[i] == 0x0A {
            lines.append(try Self.decodeLine(data[lineStart..<i], file: file, line: lines.count + 1))
            lineStart = i + 1
        }
        if lineStart < data.endIndex {
            lines.append(try Self.decodeLine(data[lineStart..<data.endIndex], file: file, line: lines.count + 1))
        }
        try self.init(pieces: lines, basic: basic, file: file)
    }

    /// A tokenizer over an in-memory vocabulary (`pieces[i]` has id `i`).
    /// - Throws: ``TextEncoderError`` when a special token is missing.
    public init(pieces: [String], basic: BasicTokenizer = BasicTokenizer(), file: String = "<memory>") throws {
        var ids: [[UInt32]: Int32] = [:]
        ids.reserveCapacity(pieces.count)
        for (i, piece) in pieces.enumerated() {
            // A repeated piece keeps its last id, as in Hugging Face's `load_vocab`.
            ids[piece.unicodeScalars.map(\.value)] = Int32(i)
        }
        func special(_ token: String) throws -> Int32 {
            guard let id = ids[token.unicodeScalars.map(\.value)] else {
                throw TextEncoderError(file: file, item: token, problem: "special token missing from the vocabulary")
            }
            return id
        }
        self.basic = basic
        self.ids = ids
        self.pieces = pieces
        vocabularySize = pieces.count
        clsID = try special("[CLS]")
        sepID = try special("[SEP]")
        unknownID = try special("[UNK]")
        padID = try special("[PAD]")
    }

    private static func decodeLine(_ bytes: Data, file: String, line: Int) throws -> String {
        guard let s = String(data: bytes, encoding: .utf8) else {
            throw TextEncoderError(file: file, problem: "line \(line) is not valid UTF-8")
        }
        return s
    }

    /// The id of `piece`, or nil when it is not in the vocabulary.
    public func id(of piece: String) -> Int32? { ids[piece.unicodeScalars.map(\.value)] }

    /// The piece with id `id`, or nil when out of range.
    public func piece(for id: Int32) -> String? {
        id >= 0 && Int(id) < pieces.count ? pieces[Int(id)] : nil
    }

    /// The word-piece ids of `text`, without special tokens.
    public func pieceIDs(_ text: String) -> [Int32] {
        var out: [Int32] = []
        var key: [UInt32] = []
        key.reserveCapacity(64)
        for word in basic.words(text) {
            appendPieces(of: word, to: &out, key: &key)
        }
        return out
    }

    /// `[CLS]`, the word-piece ids of `text` truncated to `maxLength - 2`, `[SEP]`: at most
    /// `maxLength` ids in all (at least the two special tokens, whatever `maxLength`).
    public func encode(_ text: String, maxLength: Int) -> [Int32] {
        let body = pieceIDs(text)
        var out: [Int32] = [clsID]
        out.reserveCapacity(min(body.count, max(0, maxLength - 2)) + 2)
        out.append(contentsOf: body.prefix(max(0, maxLength - 2)))
        out.append(sepID)
        return out
    }

    /// The pieces of `word`: greedy longest-match-first, `[UNK]` for the whole word when some
    /// remainder matches no piece or the word is too long.
    private func appendPieces(of word: [Unicode.Scalar], to out: inout [Int32], key: inout [UInt32]) {
        if word.count > Self.maxCharactersPerWord {
            out.append(unknownID)
            return
        }
        let firstNew = out.count
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while end > start {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.append(0x23); key.append(0x23) }  // "##"
                for i in start..<end { key.append(word[i].value) }
                if let id = ids[key] { found = id; break }
                end -= 1
            }
            guard let id = found else {
                out.removeSubrange(firstNew...)
                out.append(unknownID)
                return
            }
            out.append(id)
            start = end
        }
    }
}
