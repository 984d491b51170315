import Foundation

/// The first stage of BERT tokenisation: cleans text and splits it into words and
/// punctuation marks, following the rules of Hugging Face's `BasicTokenizer` (uncased):
///
/// 1. Drop U+0000, U+FFFD and control/format characters (Unicode category C*, except tab,
///    newline and carriage return); map every white-space character to a space.
/// 2. Surround every CJK ideograph with spaces, so each becomes a word of its own.
/// 3. Split on white space. For each word: lowercase it, strip accents (canonical
///    decomposition, then drop the non-spacing marks, category Mn), and split it at every
///    punctuation character (ASCII `!`..`/`, `:`..`@`, `[`..`` ` ``, `{`..`~`, and Unicode
///    category P*), each punctuation character becoming a word of its own.
///
/// Special tokens written inside the text (e.g. a literal `"[SEP]"`) are not recognised;
/// they are split like any other text.
public struct BasicTokenizer: Sendable {
    /// Lowercase and strip accents (true for uncased models such as all-MiniLM-L6-v2).
    public var lowercase: Bool
    /// Make every CJK ideograph a word of its own.
    public var splitCJK: Bool

    /// A tokenizer with the given options (the defaults are those of uncased BERT).
    public init(lowercase: Bool = true, splitCJK: Bool = true) {
        self.lowercase = lowercase
        self.splitCJK = splitCJK
    }

    /// The words and punctuation marks of `text`, each as its Unicode scalars.
    public func words(_ text: String) -> [[Unicode.Scalar]] {
        var out: [[Unicode.Scalar]] = []
        var current = String.UnicodeScalarView()
        func flushWord() {
            if current.isEmpty { return }
            var word = String(current)
            current = String.UnicodeScalarView()
            if lowercase { word = Self.stripAccents(word.lowercased()) }
            var piece: [Unicode.Scalar] = []
            for s in word.unicodeScalars {
                if Self.isPunctuation(s) {
                    if !piece.isEmpty { out.append(piece); piece = [] }
                    out.append([s])
                } else if Self.isWhitespace(s) {
                    // Lowercasing or decomposition never yields spaces in practice; be safe.
                    if !piece.isEmpty { out.append(piece); piece = [] }
                } else {
                    piece.append(s)
                }
            }
            if !piece.isEmpty { out.append(piece) }
        }
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
            if Self.isWhitespace(s) {
                flushWord()
            } else if splitCJK && Self.isCJK(s) {
                flushWord()
                out.append([s])
            } else {
                current.append(s)
            }
        }
        flushWord()
        return out
    }

    /// The words and punctuation marks of `text` as strings.
    public func tokenize(_ text: String) -> [String] {
        words(text).map { word in
            var v = String.UnicodeScalarView()
            v.append(contentsOf: word)
            return String(v)
        }
    }

    /// `text` in canonical decomposition without its non-spacing marks (category Mn).
    static func stripAccents(_ text: String) -> String {
        var v = String.UnicodeScalarView()
        for s in text.decomposedStringWithCanonicalMapping.unicodeScalars
        where s.properties.generalCategory != .nonspacingMark {
            v.append(s)
        }
        return String(v)
    }

    /// Tab, newline, carriage return, and every scalar with the Unicode White_Space property
    /// (which includes the space separators, category Zs).
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x20, 0x09, 0x0A, 0x0D: return true
        default:
            return s.properties.generalCategory == .spaceSeparator
                || (s.value > 0x7F && s.properties.isWhitespace && !isControl(s))
        }
    }

    /// Control, format, unassigned, private-use and surrogate scalars (category C*), except
    /// tab, newline and carriage return, which count as white space.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D: return false
        default:
            switch s.properties.generalCategory {
            case .control, .format, .unassigned, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// ASCII symbols and punctuation (BERT treats `$`, `+`, `^`, ... as punctuation too) and
    /// Unicode punctuation (category P*).
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks (and their extensions and compatibility blocks) as
    /// BERT defines them. Hiragana, Katakana and Hangul are not included.
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
