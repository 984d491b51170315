import Datasets
import Foundation

/// The text of a MovieLens item as the sentence encoder sees it:
/// `"<title> (<year>). Genres: <genre>, <genre>"`, e.g.
/// `"Toy Story (1995). Genres: Animation, Children's, Comedy"`.
///
/// The title is kept as MovieLens writes it (so `"Usual Suspects, The"`); the year part is
/// left out when the year is empty, and the genres part when there are no genres. The
/// sentence form was chosen because the encoder was trained on natural sentences; the
/// explicit "Genres:" label keeps genre words from reading as part of the title.
public enum MovieLensItemText {
    /// The text for one item.
    public static func text(title: String, year: String, genres: [String]) -> String {
        var s = title.trimmingCharacters(in: .whitespaces)
        let y = year.trimmingCharacters(in: .whitespaces)
        if !y.isEmpty { s += " (\(y))" }
        if !genres.isEmpty { s += ". Genres: " + genres.joined(separator: ", ") }
        return s
    }

    /// Reads a RecBole `.item` atomic file with `item_id`, `movie_title` and, when present,
    /// `release_year` and `class` (ML-100K) or `genre` (ML-1M) fields, and returns the item ids
    /// and texts in file order.
    /// - Throws: `DataError` for a malformed file, ``SemanticError`` when `item_id` or
    ///   `movie_title` is missing.
    public static func read(itemFile: URL) throws -> (ids: [String], texts: [String]) {
        try texts(of: try AtomicTable.read(path: itemFile.path))
    }

    /// The item ids and texts of an `.item` table already read, as ``read(itemFile:)``.
    /// - Throws: ``SemanticError`` when `item_id` or `movie_title` is missing.
    public static func texts(of table: AtomicTable) throws -> (ids: [String], texts: [String]) {
        let file = table.file
        func strings(_ name: String) -> [String]? {
            if let t = table.tokens(name) { return t }
            if let seq = table.tokenSequences(name) { return seq.map { $0.joined(separator: " ") } }
            if let f = table.floats(name) { return f.map { $0.isNaN ? "" : NumberText.of($0.rounded(.towardZero)) } }
            return nil
        }
        func lists(_ name: String) -> [[String]]? {
            if let seq = table.tokenSequences(name) { return seq }
            if let t = table.tokens(name) { return t.map { $0.split(separator: " ").map(String.init) } }
            return nil
        }
        guard let ids = strings("item_id") else {
            throw SemanticError(file: file, item: "item_id", problem: "field missing")
        }
        guard let titles = strings("movie_title") else {
            throw SemanticError(file: file, item: "movie_title", problem: "field missing")
        }
        let years = strings("release_year") ?? Array(repeating: "", count: ids.count)
        let genres = lists("class") ?? lists("genre") ?? Array(repeating: [], count: ids.count)
        var texts: [String] = []
        texts.reserveCapacity(ids.count)
        for i in ids.indices {
            texts.append(text(title: titles[i], year: years[i], genres: genres[i]))
        }
        return (ids, texts)
    }
}
