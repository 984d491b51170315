/// Which columns of a CSV/TSV file hold the user id, the item id, the timestamp and the rating,
/// resolved from a ``ColumnMapping`` against the file's header (or its field count without one).
///
/// Nothing is guessed: a role the mapping leaves open is taken from the header column with one
/// of the role's names (any case), and when no column or several columns have one, the file
/// is refused with its header's columns and the option that chooses them. Without a header,
/// an open user or item column is the documented convention: columns 0 and 1. No two roles
/// may share a column.
struct DelimitedColumns: Equatable {
    /// The user id column (0-based).
    var user: Int
    /// The item id column (0-based).
    var item: Int
    /// The timestamp column, if any.
    var time: Int?
    /// The rating column, read only for a minimum rating.
    var rating: Int?

    /// Header names (lower case) that mark each role's column when the mapping leaves it open.
    static let userNames = ["user_id", "userid", "user"]
    static let itemNames = ["item_id", "itemid", "item"]
    static let timeNames = ["timestamp", "time", "ts"]
    static let ratingNames = ["rating"]

    /// Resolves `mapping` against the header `names` (nil: the file is read without one) of a
    /// file whose first record has `fieldCount` fields. The rating column is chosen only when
    /// `needsRating`.
    /// - Throws: ``DataError`` at line 1 of `file` when a role has no column (the message lists
    ///   the header's columns and names the option), when several header columns could be the
    ///   same role, when an index is out of range or a name is not in the header, and when two
    ///   roles land on one column.
    static func choose(_ mapping: ColumnMapping, names: [String]?, fieldCount: Int, needsRating: Bool,
                       file: String) throws -> DelimitedColumns {
        func resolve(_ ref: ColumnRef, _ role: String) throws -> Int {
            try resolveColumn(ref, role: role, names: names, fieldCount: fieldCount, file: file)
        }
        // The one header column named like the role; nil when none is (or without a header).
        func named(_ candidates: [String], _ role: String, option: String) throws -> Int? {
            guard let names else { return nil }
            let hits = names.indices.filter { candidates.contains(names[$0].lowercased()) }
            guard hits.count <= 1 else {
                throw DataError(file: file, line: 1, message: "several columns could hold \(role): "
                                    + hits.map { "\($0) (\(DataError.quote(names[$0])))" }.joined(separator: ", ")
                                    + "; choose one with \(option) NAME|INDEX")
            }
            return hits.first
        }
        guard fieldCount >= 2 else {
            throw DataError(file: file, line: 1, message: "need at least two columns (user and item), found \(fieldCount)")
        }
        var user = try mapping.user.map { try resolve($0, "user") } ?? named(userNames, "the user id", option: "--user-column")
        var item = try mapping.item.map { try resolve($0, "item") } ?? named(itemNames, "the item id", option: "--item-column")
        if names == nil {
            user = user ?? 0
            item = item ?? 1
        }
        guard let user, let item else {
            throw missingIDColumns(user: user == nil, item: item == nil, names: names ?? [], file: file)
        }
        let time = try mapping.timestamp.map { try resolve($0, "timestamp") } ?? named(timeNames, "the timestamp", option: "--time-column")
        var rating: Int?
        if needsRating {
            rating = try chooseRatingColumn(mapping.rating, names: names, fieldCount: fieldCount, file: file)
        }
        let columns = DelimitedColumns(user: user, item: item, time: time, rating: rating)
        try columns.checkDistinct(names: names, file: file)
        return columns
    }

    /// The error for a header without a user or item id column: what is missing, the header's
    /// columns, the names looked for and the options that fix it.
    static func missingIDColumns(user: Bool, item: Bool, names: [String], file: String) -> DataError {
        let roles = [user ? "user id" : nil, item ? "item id" : nil].compactMap { $0 }
        let looked = [user ? userNames.joined(separator: "/") : nil, item ? itemNames.joined(separator: "/") : nil].compactMap { $0 }
        let options = [user ? "--user-column" : nil, item ? "--item-column" : nil].compactMap { $0 }
        return DataError(file: file, line: 1, message: "no column for the \(roles.joined(separator: " or the ")): "
                             + "the header has " + DataError.quoteList(names)
                             + " and none is named \(looked.joined(separator: " or ")) (any case); choose "
                             + (options.count == 1 ? "it with \(options[0])" : "them with \(options.joined(separator: " and "))")
                             + " NAME|INDEX, or give --no-header if the first line is data (columns 0 and 1 are then the user and the item)")
    }

    /// Refuses two roles on one column (a header in another order than the names expect, or a
    /// mapping that names a column twice).
    func checkDistinct(names: [String]?, file: String) throws {
        let roles: [(String, Int?, String)] = [("the user id", user, "--user-column"), ("the item id", item, "--item-column"),
                                               ("the timestamp", time, "--time-column"), ("the rating", rating, "--rating-column")]
        for a in roles.indices {
            for b in roles.indices where b > a {
                guard let i = roles[a].1, i == roles[b].1 else { continue }
                throw DataError(file: file, line: 1, message: "column \(i)" + (names.map { " (\(DataError.quote($0[i])))" } ?? "")
                                    + " cannot hold both \(roles[a].0) and \(roles[b].0); choose another with \(roles[a].2) or \(roles[b].2)")
            }
        }
    }

    /// `columns: user 0 (user), item 1 (item), timestamp 3 (ts)`, the note a load prints.
    func note(names: [String]?) -> String {
        let describe = { (index: Int) -> String in names.map { "\(index) (\(DataError.excerpt($0[index])))" } ?? "\(index)" }
        return "columns: user \(describe(user)), item \(describe(item)), timestamp " + (time.map(describe) ?? "none")
            + (names == nil ? " (no header: user and item are columns 0 and 1 unless --user-column / --item-column say otherwise)" : "")
    }

    /// The rating column for a minimum rating: the one `ref` names, else the header's column
    /// called `rating` (any case). Without one, the error lists the header's columns.
    static func chooseRatingColumn(_ ref: ColumnRef?, names: [String]?, fieldCount: Int, file: String) throws -> Int {
        if let ref { return try resolveColumn(ref, role: "rating", names: names, fieldCount: fieldCount, file: file) }
        guard let names else {
            throw DataError(file: file, line: 1, message: "a minimum rating needs a rating column, and the file is read "
                                + "without a header: give the column's 0-based index (--rating-column)")
        }
        guard let index = names.firstIndex(where: { ratingNames.contains($0.lowercased()) }) else {
            throw DataError(file: file, line: 1, message: "a minimum rating needs a rating column, and none is named 'rating'; "
                                + "the header has " + DataError.quoteList(names)
                                + " (choose one with --rating-column)")
        }
        return index
    }

    /// The 0-based column `ref` points at; `role` (user, item, timestamp, rating) names it in errors.
    static func resolveColumn(_ ref: ColumnRef, role: String, names: [String]?, fieldCount: Int, file: String) throws -> Int {
        let what = role == "user" || role == "item" ? "the \(role) id" : "the \(role)"
        switch ref {
        case .index(let index):
            guard index >= 0 && index < fieldCount else {
                throw DataError(file: file, line: 1, message: "\(role) column index \(index) is out of range "
                                    + "(the first line has \(fieldCount) fields; indices are 0-based)")
            }
            return index
        case .name(let name):
            guard let names else {
                throw DataError(file: file, line: 1, message: "\(role) column \(DataError.quote(name)) is given by name, "
                                    + "but the file is read without a header; give a 0-based index instead")
            }
            guard let index = names.firstIndex(of: name) else {
                throw DataError(file: file, line: 1, message: "no column named \(DataError.quote(name)) for \(what); "
                                    + "the header has " + DataError.quoteList(names))
            }
            return index
        }
    }
}
