import Foundation

/// A small RecBole dataset written in code: `<name>.inter` and `<name>.item` in a directory
/// called `<name>` (RecBole's layout), with items that have no training interactions.
///
/// - `users` users, each preferring genre `u % genres`; items `i0`, `i1`, ... belong to genre
///   `index % genres`. Every user has 10 interactions at times 1...10: eight items of their
///   genre at times 1...8 and two more at 9 and 10. Under `--split time:0.8` the last two are
///   test pairs.
/// - Test-only items `t0`, `t1`, ... (genre 0): the time-10 item of every third user of genre 0,
///   so they occur in the test split only (the loader drops their pairs: no training interaction).
/// - Catalogue-only items `c0`, `c1`, ...: listed in the `.item` file, never interacted with.
/// - `x0`: in the `.item` file with an empty genre list (no structured attribute at all).
/// - `.item` fields: `item_id`, `class` (the genre `G<g>` and an era token), and, with
///   `titles`, `movie_title`.
public struct RecBoleFixture {
    /// Ids of the items with training interactions, of the test-only items, of the
    /// catalogue-only items with attributes, and of the item without any attribute.
    public let trainedItems: [String], testOnlyItems: [String], catalogueOnlyItems: [String], bareItem: String
    /// The dataset directory.
    public let directory: URL
    /// The `.item` and `.inter` files.
    public let itemFile: URL, interFile: URL

    /// Writes the dataset `<parent>/<name>` (created).
    public init(parent: URL, name: String = "fixture", users: Int = 48, genres: Int = 4, itemsPerGenre: Int = 12,
                testOnly: Int = 4, catalogueOnly: Int = 3, titles: Bool = false) throws {
        let directory = parent.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        itemFile = directory.appendingPathComponent("\(name).item")
        interFile = directory.appendingPathComponent("\(name).inter")
        let trained = (0..<(genres * itemsPerGenre)).map { "i\($0)" }
        func genreItem(_ g: Int, _ k: Int) -> String { "i\((k % itemsPerGenre) * genres + g)" }
        var inter = "user_id:token\titem_id:token\ttimestamp:float\n"
        for u in 0..<users {
            // User m of genre g starts at item 5m of the genre: 5 is prime to 12, so every item
            // of a genre is among some user's first eight.
            let g = u % genres, m = u / genres, start = 5 * m
            var list = (0..<9).map { genreItem(g, start + $0) }
            list.append(g == 0 && m % 3 == 0 ? "t\((m / 3) % testOnly)" : genreItem(g, start + 9))
            for (t, item) in list.enumerated() { inter += "u\(u)\t\(item)\t\(t + 1)\n" }
        }
        let testOnlyIDs = (0..<testOnly).map { "t\($0)" }, catalogueIDs = (0..<catalogueOnly).map { "c\($0)" }
        var item = "item_id:token" + (titles ? "\tmovie_title:token_seq" : "") + "\tclass:token_seq\n"
        func row(_ id: String, _ index: Int, genre: Int?) {
            let title = titles ? "\tFilm \(id)" : ""
            item += "\(id)\(title)\t" + (genre.map { "G\($0) Era\(index % 3)" } ?? "") + "\n"
        }
        for (k, id) in trained.enumerated() { row(id, k, genre: k % genres) }
        // The test-only items are the last items of users of genre 0.
        for (j, id) in testOnlyIDs.enumerated() { row(id, j, genre: 0) }
        for (j, id) in catalogueIDs.enumerated() { row(id, j, genre: j % genres) }
        row("x0", 0, genre: nil)
        try inter.write(to: interFile, atomically: true, encoding: .utf8)
        try item.write(to: itemFile, atomically: true, encoding: .utf8)
        trainedItems = trained
        testOnlyItems = testOnlyIDs
        catalogueOnlyItems = catalogueIDs
        bareItem = "x0"
    }

    /// Every item with some attribute: trained, test-only and catalogue-only.
    public var itemsWithAttributes: [String] { trainedItems + testOnlyItems + catalogueOnlyItems }
}
