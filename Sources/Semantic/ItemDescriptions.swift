import Foundation
import Datasets

/// What a person reads about each item: its title and its categories (genres, classes), taken
/// from a RecBole `.item` file when the catalogue has one. The cluster report uses them to
/// show what a cluster holds; items of an ID-only catalogue (Gowalla) have neither.
public struct ItemDescriptions: Sendable, Equatable {
    /// The title of each item (row order of the item map), or `nil` for all when the
    /// catalogue has no title field; an item the file does not list has `nil`.
    public var titles: [String?]?
    /// The categories of each item (tokens of the category fields), or `nil` for all when the
    /// catalogue has no category field.
    public var categories: [[String]]?

    /// Fields tried, in order, for the title.
    public static let titleFields = ["movie_title", "title", "name"]
    /// Fields used for the categories when none are given.
    public static let categoryFields = ["class", "genre", "categories", "category"]

    /// Descriptions given directly (one entry per item, or `nil`).
    public init(titles: [String?]?, categories: [[String]]?) {
        self.titles = titles
        self.categories = categories
    }

    /// No descriptions: items known by id only.
    public static let none = ItemDescriptions(titles: nil, categories: nil)

    /// The descriptions of `items` from `itemFile`: the first of ``titleFields`` the file has,
    /// and the tokens of `categoryFields` (default: those of ``categoryFields`` the file has;
    /// a token field is split on spaces, as ML-1M writes `Animation Children's Comedy`).
    /// Without a file, ``none``.
    /// - Throws: `DataError` for a malformed file.
    public init(itemFile: URL?, items: IDMap, categoryFields: [String] = []) throws {
        guard let itemFile else { self = .none; return }
        let present = Set(try AtomicTable.readHeader(path: itemFile.path).map(\.name))
        let titleField = Self.titleFields.first(where: present.contains)
        let wanted = categoryFields.isEmpty ? Self.categoryFields : categoryFields
        let catFields = wanted.filter(present.contains)
        guard present.contains("item_id"), titleField != nil || !catFields.isEmpty else { self = .none; return }
        let table = try AtomicTable.read(path: itemFile.path, only: Set(["item_id"] + catFields + (titleField.map { [$0] } ?? [])))
        guard let ids = Self.strings(table, "item_id") else { self = .none; return }
        var titles: [String?]? = nil
        if let titleField, let values = Self.strings(table, titleField) {
            var t = [String?](repeating: nil, count: items.count)
            for (k, id) in ids.enumerated() {
                let title = values[k].trimmingCharacters(in: .whitespaces)
                if let i = items.index(of: id), !title.isEmpty { t[i] = title }
            }
            titles = t
        }
        var categories: [[String]]? = nil
        if !catFields.isEmpty {
            var c = [[String]](repeating: [], count: items.count)
            for field in catFields {
                guard let values = table.tokenSequences(field) ?? table.tokens(field).map({ $0.map { $0.split(separator: " ").map(String.init) } }) else { continue }
                for (k, id) in ids.enumerated() {
                    if let i = items.index(of: id) { c[i] += values[k].filter { !$0.isEmpty } }
                }
            }
            categories = c
        }
        self.init(titles: titles, categories: categories)
    }

    /// A field's values as text: tokens, token sequences joined by spaces, or numbers.
    private static func strings(_ table: AtomicTable, _ name: String) -> [String]? {
        if let t = table.tokens(name) { return t }
        if let seq = table.tokenSequences(name) { return seq.map { $0.joined(separator: " ") } }
        if let f = table.floats(name) { return f.map { $0.isNaN ? "" : NumberText.of($0) } }
        return nil
    }
}
