import NumCore

/// What the primary clusters of a fit hold, for a person to read: per cluster (largest first,
/// at most ``limit`` of them), its size, its most frequent categories, the words its titles
/// share, and its most popular items (by training interactions). Items known by id only get
/// sizes and their most popular ids.
public struct ClusterContents: Sendable, Equatable {
    /// A name and how many items of the cluster have it.
    public struct Count: Sendable, Equatable {
        public let name: String
        public let items: Int
    }

    /// One primary cluster.
    public struct Cluster: Sendable, Equatable {
        /// The primary code.
        public let code: Int
        /// Items in the cluster.
        public let size: Int
        /// The most frequent categories, most frequent first (ties by name).
        public let categories: [Count]
        /// The title words shared by at least two of the cluster's items, most frequent first
        /// (ties by word); empty without titles.
        public let titleWords: [Count]
        /// The most popular items, most popular first (ties by item order): titles, or ids
        /// for items without one; a title shared by two items (a film listed twice) shown once.
        public let examples: [String]
    }

    /// The clusters listed, largest first (ties by code).
    public let clusters: [Cluster]
    /// Non-empty clusters left out of the list (the smallest).
    public let omitted: Int
    /// Whether the catalogue has titles (else there is no title-word column).
    public let hasTitles: Bool
    /// Whether the catalogue has categories (else there is no category column).
    public let hasCategories: Bool

    /// Clusters listed at most, by default.
    public static let limit = 30

    /// The contents of the clusters `primary` (one code per item, `0..<kp`).
    /// - Parameters:
    ///   - itemIDs: each item's id (shown for items without a title).
    ///   - popularity: each item's training interactions (items beyond its end have none).
    ///   - descriptions: titles and categories per item.
    ///   - limit: clusters listed; `categories`, `words`, `examples`: entries per column.
    public init(primary: [Int32], kp: Int, itemIDs: [String], popularity: [Int], descriptions: ItemDescriptions,
                limit: Int = ClusterContents.limit, categories: Int = 3, words: Int = 5, examples: Int = 4) {
        precondition(itemIDs.count == primary.count, "\(itemIDs.count) ids for \(primary.count) items")
        var members = [[Int]](repeating: [], count: kp)
        for (i, c) in primary.enumerated() { members[Int(c)].append(i) }
        let order = (0..<kp).filter { !members[$0].isEmpty }.sorted { (members[$0].count, $1) > (members[$1].count, $0) }
        let titles = descriptions.titles, cats = descriptions.categories
        func pop(_ i: Int) -> Int { i < popularity.count ? popularity[i] : 0 }
        clusters = order.prefix(max(0, limit)).map { code in
            let items = members[code]
            var catCount: [String: Int] = [:], wordCount: [String: Int] = [:]
            for i in items {
                if let cats { for c in Set(cats[i]) { catCount[c, default: 0] += 1 } }
                if let title = titles?[i] { for w in TitleWords.words(title) { wordCount[w, default: 0] += 1 } }
            }
            // The most popular items, each title once (ML-100K lists some films twice).
            var shown: [String] = []
            for i in items.sorted(by: { (pop($0), $1) > (pop($1), $0) }) where shown.count < examples {
                let text = titles?[i] ?? itemIDs[i]
                if !shown.contains(text) { shown.append(text) }
            }
            return Cluster(code: code, size: items.count,
                           categories: Self.top(catCount, categories, atLeast: 1),
                           titleWords: Self.top(wordCount, words, atLeast: 2),
                           examples: shown)
        }
        omitted = max(0, order.count - clusters.count)
        hasTitles = titles != nil
        hasCategories = cats != nil
    }

    /// The `n` largest counts of at least `atLeast`, largest first, ties by name.
    static func top(_ counts: [String: Int], _ n: Int, atLeast: Int) -> [Count] {
        counts.filter { $0.value >= atLeast }
            .sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .prefix(n).map { Count(name: $0.key, items: $0.value) }
    }

    /// A Markdown table, one row per listed cluster, every cell escaped
    /// (``NumCore/TextEscaping/markdownCell(_:)``), and a line on the clusters left out.
    /// Categories show the share of the cluster's items that have them; title words how many
    /// items' titles contain them.
    public func markdownTable() -> String {
        var header = ["cluster", "items"]
        if hasCategories { header.append("top categories") }
        if hasTitles { header.append("title words (items)") }
        header.append(hasTitles ? "most popular items" : "most popular items (ids)")
        var s = "| " + header.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: header.count) + "\n"
        for c in clusters {
            var row = [String(c.code), String(c.size)]
            if hasCategories {
                row.append(c.categories.map { "\(TextEscaping.markdownCell($0.name)) \(Int((100 * Double($0.items) / Double(c.size)).rounded()))%" }
                    .joined(separator: ", "))
            }
            if hasTitles { row.append(c.titleWords.map { "\(TextEscaping.markdownCell($0.name)) (\($0.items))" }.joined(separator: ", ")) }
            row.append(c.examples.map(TextEscaping.markdownCell).joined(separator: "; "))
            s += "| " + row.map { $0.isEmpty ? "–" : $0 }.joined(separator: " | ") + " |\n"
        }
        if omitted > 0 { s += "\n\(omitted) smaller cluster\(omitted == 1 ? "" : "s") not listed.\n" }
        return s
    }
}
