import Foundation

/// Comparison keys for film titles written in different conventions, so that a title list
/// (such as a poster table) can be joined to a data set whose item ids are titles.
///
/// Both sides of a join go through the same function, which:
/// - decodes HTML character references (`&#8230;`, `&#x2019;`, `&amp;`, ...);
/// - lower-cases;
/// - drops articles in the MovieLens position (`Matrix, The (1999)`) and in the leading one
///   (`The Matrix (1999)`), at the start of the title and of each parenthesised part
///   (`the a an le la les l' el los las il der die das`);
/// - maps each character by ``Mode``: accents folded away (`é` → `e`, `æ` → `ae`), or every
///   non-ASCII character (a letter, `³`, or the replacement character `�` that a wrong
///   decoding left in place of one) to the one wildcard `�`;
/// - turns punctuation into spaces and collapses runs of spaces.
///
/// So `Matrix, The (1999)`, `The Matrix (1999)` and `THE MATRIX: (1999)` all become
/// `matrix 1999`; `Misérables, Les (1998)` becomes `miserables 1998` folded and
/// `mis�rables 1998` as wildcards, the same wildcard key as `Mis�rables, Les (1998)`.
public enum TitleKey {
    /// How characters outside ASCII are compared.
    public enum Mode: String, Sendable, CaseIterable {
        /// Accents and ligatures folded to ASCII letters (`é` → `e`, `ß` → `ss`); other
        /// characters (`�`, `³`, scripts without a folding) are kept as they are.
        case folded
        /// Every non-ASCII character becomes the replacement character `�`: `é`, `ü`, `³` and
        /// `�` all compare equal to one another (and to nothing else), one character for one.
        case wildcard
    }

    /// Articles dropped at the start of a title part, or after its last comma.
    static let articles: Set<String> = ["the", "a", "an", "le", "la", "les", "l'", "el", "los", "las", "il", "der", "die", "das"]

    /// Letters whose canonical decomposition has no base letter to keep.
    static let ligatures: [Character: String] = [
        "æ": "ae", "œ": "oe", "ø": "o", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
    ]

    /// The key of `title` under `mode`; empty when the title has nothing but articles and
    /// punctuation (an empty key never matches).
    public static func key(_ title: String, mode: Mode) -> String {
        let parts = decodingEntities(title).lowercased()
            .split(omittingEmptySubsequences: true) { $0 == "(" || $0 == ")" || $0 == "[" || $0 == "]" }
            .map { withoutArticles(String($0)) }
        var out = ""
        var pendingSpace = false
        for part in parts {
            for ch in part {
                let mapped = map(ch, mode: mode)
                for m in mapped {
                    if m.isLetter || m.isNumber || m == "\u{FFFD}" {
                        if pendingSpace && !out.isEmpty { out.append(" ") }
                        pendingSpace = false
                        out.append(m)
                    } else {
                        pendingSpace = true
                    }
                }
            }
            pendingSpace = true
        }
        return out
    }

    /// `part` (lower-cased, one parenthesised piece of a title) without a trailing
    /// `, article` and without a leading `article ` (or `l'`).
    static func withoutArticles(_ part: String) -> String {
        var s = part.trimmingCharacters(in: .whitespaces)
        if let comma = s.lastIndex(of: ",") {
            let tail = s[s.index(after: comma)...].trimmingCharacters(in: .whitespaces)
            if articles.contains(tail) { s = s[..<comma].trimmingCharacters(in: .whitespaces) }
        }
        if s.hasPrefix("l'") || s.hasPrefix("l’") {
            s = String(s.dropFirst(2)).trimmingCharacters(in: .whitespaces)
        } else if let space = s.firstIndex(of: " "), articles.contains(String(s[..<space])) {
            s = s[s.index(after: space)...].trimmingCharacters(in: .whitespaces)
        }
        return s
    }

    /// One character under `mode` (possibly several, possibly none).
    static func map(_ ch: Character, mode: Mode) -> String {
        if ch.isASCII { return String(ch) }
        switch mode {
        case .wildcard:
            return ch.isWhitespace ? " " : "\u{FFFD}"
        case .folded:
            if let l = ligatures[ch] { return l }
            var kept = String.UnicodeScalarView()
            for scalar in String(ch).decomposedStringWithCanonicalMapping.unicodeScalars {
                switch scalar.properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark: continue
                default: kept.append(scalar)
                }
            }
            return String(kept)
        }
    }

    /// `text` with HTML character references (`&#NNN;`, `&#xHH;`, and `&amp; &lt; &gt; &quot;
    /// &apos; &nbsp;`) replaced by the characters they name; anything else is left as it is.
    public static func decodingEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " "]
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(10).firstIndex(of: ";") {
                let name = after[..<semi]
                var replacement: String? = named[String(name)]
                if replacement == nil, name.hasPrefix("#") {
                    let digits = name.dropFirst()
                    let value = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                    replacement = value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                }
                if let replacement {
                    out += replacement
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            out.append("&")
            rest = after
        }
        return out + rest
    }
}
