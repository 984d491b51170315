/// The words of an item title that say something about it, for the cluster report: lower-cased
/// runs of letters (an apostrophe inside a word is kept: `schindler's`), without stop words,
/// single letters, and tokens with digits (years, sequel numbers).
public enum TitleWords {
    /// The distinct words of `title` in order of first appearance.
    public static func words(_ title: String) -> [String] {
        var out: [String] = [], seen = Set<String>()
        var current = ""
        func flush() {
            var word = Substring(current)
            while word.last == "'" { word.removeLast() }
            current = ""
            let w = String(word)
            guard w.count > 1, !w.contains(where: \.isNumber), !stopWords.contains(w), seen.insert(w).inserted else { return }
            out.append(w)
        }
        for c in title.lowercased() {
            if c.isLetter || c.isNumber || (c == "'" || c == "’") && !current.isEmpty {
                current.append(c == "’" ? "'" : c)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    /// A small English stop-word list, with the articles and prepositions of the French,
    /// Spanish and Italian titles MovieLens lists (`Cité des enfants perdus, La`; German ones
    /// are left in: "die" is an English word too).
    public static let stopWords: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
        "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further",
        "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how",
        "i", "if", "in", "into", "is", "it", "it's", "its", "itself", "just", "me", "more", "most", "my", "myself",
        "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
        "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
        "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very",
        "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would",
        "you", "your", "yours", "yourself", "yourselves",
        // Articles and prepositions of other languages in MovieLens titles.
        "la", "le", "les", "des", "du", "de", "del", "della", "el", "los", "las", "il", "lo", "un", "une", "et", "y",
    ]
}
