import Foundation

/// Reads RecBole atomic data sets: `DIR/NAME.inter` (NAME is the directory's name), or an
/// `.inter` file given directly. The interaction fields are `user_id`, `item_id` and, when
/// present, `timestamp` unless ``LoadOptions/columns`` says otherwise; other fields (rating,
/// ...) are ignored. With the givenFiles split, `NAME.train.inter` and `NAME.test.inter` are
/// read instead (RecBole's benchmark files), plus `NAME.valid.inter` as validation if present.
enum RecBoleReader {
    static func load(path: String, options: LoadOptions) throws -> Dataset {
        let (directory, baseName) = try locate(path)
        let name = options.name ?? baseName
        let split = options.split ?? DataFormat.recbole.defaultSplit
        var users = IDMap(), items = IDMap()
        if split == .givenFiles {
            if options.coldItems > 0 { throw DataError(file: path, message: ColdItemHoldout.givenFilesMessage) }
            let trainPath = directory.appendingPathComponent("\(baseName).train.inter").path
            let testPath = directory.appendingPathComponent("\(baseName).test.inter").path
            let validPath = directory.appendingPathComponent("\(baseName).valid.inter").path
            let train = try readLog(path: trainPath, options: options, users: &users, items: &items)
            let test = try readLog(path: testPath, options: options, users: &users, items: &items)
            var valid: PairLog?
            if FileManager.default.fileExists(atPath: validPath) {
                valid = try readLog(path: validPath, options: options, users: &users, items: &items)
            }
            var notes: [String] = []
            var logs: [PairLog] = []
            for log in [train, test] + (valid.map { [$0] } ?? []) {
                let (clean, removed) = try log.deduplicated(numUsers: users.count, dedupe: options.dedupe, userIDs: users, itemIDs: items)
                if removed > 0 { notes.append("collapsed \(removed) duplicate (user, item) pairs in \(log.file)") }
                logs.append(clean)
            }
            // The filters count the interactions of all files together.
            let filters = try InteractionFilters.apply(&logs, numUsers: users.count, numItems: items.count, options: options)
            var dataset = try DatasetAssembler.assemble(name: name, users: users, items: items, train: logs[0],
                                                        test: logs[1], layout: .compact, strict: options.strict, notes: notes)
            dataset.filters = filters
            if valid != nil {
                // Re-assemble the validation file against the final train index space.
                let validSet = try DatasetAssembler.assemble(name: name, users: users, items: items, train: logs[0], test: logs[2],
                                                             layout: .compact, strict: options.strict, notes: [])
                dataset.validation = validSet.test
                dataset.notes += validSet.notes.map { "validation: " + $0 }
            }
            return dataset
        }
        let interPath = directory.appendingPathComponent("\(baseName).inter").path
        let log = try readLog(path: interPath, options: options, users: &users, items: &items)
        return try DatasetAssembler.assembleSplitting(name: name, users: users, items: items, log: log,
                                                      split: split, options: options, notes: [])
    }

    /// The directory and data set name for `path` (a directory or an `.inter` file).
    static func locate(_ path: String) throws -> (URL, String) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, message: "no RecBole data set at \(path)")
        }
        if !isDirectory.boolValue {
            var base = url.deletingPathExtension().lastPathComponent
            for suffix in [".train", ".test", ".valid"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
            return (url.deletingLastPathComponent(), base)
        }
        let name = url.lastPathComponent
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("\(name).inter").path) ||
            FileManager.default.fileExists(atPath: url.appendingPathComponent("\(name).train.inter").path) {
            return (url, name)
        }
        let inters = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter { $0.hasSuffix(".inter") && !$0.hasSuffix(".train.inter") && !$0.hasSuffix(".test.inter") && !$0.hasSuffix(".valid.inter") }
        if inters.count == 1 { return (url, String(inters[0].dropLast(".inter".count))) }
        throw DataError(file: path, message: inters.isEmpty
                            ? "no \(name).inter in \(path)"
                            : "no \(name).inter in \(path) and several other .inter files (\(inters.sorted().joined(separator: ", "))); pass the file path")
    }

    /// Reads one `.inter` file into a log, interning ids into `users` and `items`.
    static func readLog(path: String, options: LoadOptions, users: inout IDMap, items: inout IDMap) throws -> PairLog {
        let file = URL(fileURLWithPath: path).lastPathComponent
        let fields = try AtomicTable.readHeader(path: path)
        func label(_ index: Int) -> String { DataError.fieldLabel(index + 1, fields[index].name) }
        let userIndex = try resolve(options.columns.user ?? .name("user_id"), role: "user", fields: fields, file: file,
                                    option: options.columns.user == nil ? "--user-column" : nil)
        let itemIndex = try resolve(options.columns.item ?? .name("item_id"), role: "item", fields: fields, file: file,
                                    option: options.columns.item == nil ? "--item-column" : nil)
        var timeIndex: Int?
        if let ref = options.columns.timestamp {
            timeIndex = try resolve(ref, role: "timestamp", fields: fields, file: file)
        } else {
            timeIndex = fields.firstIndex { $0.name == "timestamp" }
        }
        for (index, role) in [(userIndex, "user"), (itemIndex, "item")] where fields[index].type != .token {
            throw DataError(file: file, line: 1, field: label(index),
                            message: "the \(role) id field must have type token, not \(fields[index].type.rawValue)")
        }
        if let t = timeIndex, fields[t].type != .float {
            throw DataError(file: file, line: 1, field: label(t),
                            message: "the timestamp field must have type float, not \(fields[t].type.rawValue)")
        }
        var ratingIndex: Int?
        if options.minRating != nil {
            ratingIndex = try ratingField(options.columns.rating, fields: fields, file: file)
        }
        try DelimitedColumns(user: userIndex, item: itemIndex, time: timeIndex, rating: ratingIndex)
            .checkDistinct(names: fields.map(\.name), file: file)
        var wanted: Set<String> = [fields[userIndex].name, fields[itemIndex].name]
        if let t = timeIndex { wanted.insert(fields[t].name) }
        if let r = ratingIndex { wanted.insert(fields[r].name) }
        let table = try AtomicTable.read(path: path, only: wanted)
        let userTokens = table.tokens(fields[userIndex].name)!
        let itemTokens = table.tokens(fields[itemIndex].name)!
        guard table.rowCount > 0 else {
            throw DataError(file: file, message: "file has a header but no interactions")
        }

        var log = PairLog(file: file, userField: label(userIndex), itemField: label(itemIndex))
        if timeIndex == nil {
            log.missingTimestamp = "the header has the fields " + DataError.quoteList(fields.map(\.name))
                + " and none is named 'timestamp'"
        }
        log.users.reserveCapacity(table.rowCount)
        log.items.reserveCapacity(table.rowCount)
        log.lines = table.lineNumbers.map { Int32(truncatingIfNeeded: $0) }
        for row in 0..<table.rowCount {
            let u = userTokens[row], i = itemTokens[row]
            if u.isEmpty {
                throw DataError(file: file, line: table.lineNumbers[row], field: log.userField, message: "empty user id")
            }
            if i.isEmpty {
                throw DataError(file: file, line: table.lineNumbers[row], field: log.itemField, message: "empty item id")
            }
            log.users.append(Int32(users.intern(u)))
            log.items.append(Int32(items.intern(i)))
        }
        if let t = timeIndex {
            let times = table.floats(fields[t].name)!
            if let row = times.firstIndex(where: { $0.isNaN }) {
                throw DataError(file: file, line: table.lineNumbers[row], field: label(t), message: "empty timestamp")
            }
            log.times = times
        }
        if let r = ratingIndex {
            let ratings = table.floats(fields[r].name)!
            if let row = ratings.firstIndex(where: { $0.isNaN }) {
                throw DataError(file: file, line: table.lineNumbers[row], field: label(r), message: "empty rating")
            }
            log.ratings = ratings
        }
        return log
    }

    /// The rating field for a minimum rating: the one `ref` names, else the field `rating`; it
    /// must have type float. Without one, the error lists the header's fields.
    static func ratingField(_ ref: ColumnRef?, fields: [AtomicTable.Field], file: String) throws -> Int {
        let index: Int
        if let ref {
            index = try resolve(ref, role: "rating", fields: fields, file: file)
        } else if let found = fields.firstIndex(where: { $0.name == "rating" }) {
            index = found
        } else {
            throw DataError(file: file, line: 1, message: "a minimum rating needs a rating field, and none is named 'rating'; "
                                + "fields are " + DataError.quoteList(fields.map { "\($0.name):\($0.type.rawValue)" }, quoted: false)
                                + " (choose one with --rating-column)")
        }
        guard fields[index].type == .float else {
            throw DataError(file: file, line: 1, field: DataError.fieldLabel(index + 1, fields[index].name),
                            message: "the rating field must have type float, not \(fields[index].type.rawValue)")
        }
        return index
    }

    /// The 0-based field index a column reference points at. `option`, when the reference is
    /// the default name, is the option that chooses another field (named in the error).
    static func resolve(_ ref: ColumnRef, role: String, fields: [AtomicTable.Field], file: String, option: String? = nil) throws -> Int {
        switch ref {
        case .name(let name):
            if let index = fields.firstIndex(where: { $0.name == name }) { return index }
            throw DataError(file: file, line: 1,
                            message: "no field named \(DataError.quote(name)) for the \(role == "user" || role == "item" ? role + " id" : role); fields are "
                                + DataError.quoteList(fields.map { "\($0.name):\($0.type.rawValue)" }, quoted: false)
                                + (option.map { " (choose one with \($0) NAME|INDEX)" } ?? ""))
        case .index(let index):
            guard index >= 0 && index < fields.count else {
                throw DataError(file: file, line: 1,
                                message: "\(role) column index \(index) is out of range (the file has \(fields.count) fields)")
            }
            return index
        }
    }
}
