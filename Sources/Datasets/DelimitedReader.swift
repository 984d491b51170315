import Foundation

/// Reads CSV (RFC 4180 quoting) and TSV interaction files, one interaction per record, using
/// a ``ColumnMapping`` to find the user, item and optional timestamp columns. Timestamps may
/// be numbers or ISO 8601 dates. The whole file is one log that ``Split`` divides.
enum DelimitedReader {
    static func load(path: String, format: DataFormat, options: LoadOptions) throws -> Dataset {
        let url = URL(fileURLWithPath: path)
        let name = options.name ?? url.deletingPathExtension().lastPathComponent
        var users = IDMap(), items = IDMap()
        let bytes = try ByteParsing.readFile(path)
        var notes: [String] = []
        let log = try bytes.withUnsafeBufferPointer { buffer in
            try parse(bytes: buffer, file: url.lastPathComponent, format: format, options: options,
                      users: &users, items: &items, notes: &notes)
        }
        return try DatasetAssembler.assembleSplitting(name: name, users: users, items: items, log: log,
                                                      split: options.split ?? format.defaultSplit,
                                                      options: options, notes: notes)
    }

    /// Parses delimited bytes into a log, interning ids.
    static func parse(bytes: UnsafeBufferPointer<UInt8>, file: String, format: DataFormat, options: LoadOptions,
                      users: inout IDMap, items: inout IDMap, notes: inout [String]) throws -> PairLog {
        guard !ByteParsing.isBlank(bytes) else { throw DataError(file: file, message: "file is empty") }
        let delimiterText = options.delimiter ?? (format == .csv ? "," : "\t")
        guard !delimiterText.isEmpty, !delimiterText.contains("\n"), !delimiterText.contains("\"") || format != .csv else {
            throw DataError(file: file, message: "unusable delimiter \(DataError.quote(delimiterText))")
        }
        let records = DelimitedRecords(bytes: bytes, file: file, delimiter: Array(delimiterText.utf8), quoting: format == .csv)

        var columnNames: [String]?
        var expectedFields: Int?
        var userColumn = -1, itemColumn = -1, timeColumn: Int?, ratingColumn: Int?
        var log = PairLog(file: file, userField: "", itemField: "")
        var times: [Double] = [], ratings: [Double] = []
        var isoParser: ISO8601DateFormatter?
        // The number in a field, spaces around it ignored.
        func number(_ span: DelimitedRecords.FieldSpan) -> Double? {
            var s = span.start, e = span.end
            while s < e && bytes[s] == 0x20 { s += 1 }
            while e > s && bytes[e - 1] == 0x20 { e -= 1 }
            return ByteParsing.parseDouble(bytes, s, e)
        }

        try records.forEachRecord { line, fields in
            if expectedFields == nil {
                expectedFields = fields.count
                if options.header { columnNames = fields.map { records.trimmedText($0) } }
                let chosen = try DelimitedColumns.choose(options.columns, names: columnNames, fieldCount: fields.count,
                                                         needsRating: options.minRating != nil, file: file)
                (userColumn, itemColumn, timeColumn, ratingColumn) = (chosen.user, chosen.item, chosen.time, chosen.rating)
                notes.append(chosen.note(names: columnNames))
                if let r = chosen.rating { notes.append("rating column: \(r)" + (columnNames.map { " (\(DataError.excerpt($0[r])))" } ?? "")) }
                let label = { (index: Int, role: String) -> String in
                    if let names = columnNames { return "field \(index + 1) (\(DataError.excerpt(names[index])))" }
                    return DataError.fieldLabel(index + 1, role)
                }
                log.userField = label(userColumn, "user id")
                log.itemField = label(itemColumn, "item id")
                if timeColumn == nil {
                    log.missingTimestamp = columnNames.map {
                        "the header has " + DataError.quoteList($0) + " and none is named "
                            + DelimitedColumns.timeNames.dropLast().joined(separator: ", ") + " or " + DelimitedColumns.timeNames.last! + " (any case)"
                    } ?? "the file is read without a header, so only --time-column can name one"
                }
                if options.header { return }
            }
            guard fields.count == expectedFields! else {
                throw DataError(file: file, line: line, message: "expected \(expectedFields!) fields "
                                    + (columnNames.map { "(\(DataError.quoteList($0, quoted: false)))" } ?? "(as in the first line)")
                                    + ", found \(fields.count)")
            }
            let user = records.trimmedText(fields[userColumn]), item = records.trimmedText(fields[itemColumn])
            if user.isEmpty { throw DataError(file: file, line: line, field: log.userField, message: "empty user id") }
            if item.isEmpty { throw DataError(file: file, line: line, field: log.itemField, message: "empty item id") }
            if let t = timeColumn {
                let span = fields[t]
                if let value = number(span) {
                    times.append(value)
                } else {
                    let text = records.trimmedText(span)
                    if isoParser == nil { isoParser = ISO8601DateFormatter() }
                    guard let date = isoParser!.date(from: text) else {
                        let label = columnNames.map { "field \(t + 1) (\($0[t]))" } ?? DataError.fieldLabel(t + 1, "timestamp")
                        throw DataError(file: file, line: line, field: label,
                                        message: "\(DataError.quote(text)) is not a number or an ISO 8601 date")
                    }
                    times.append(date.timeIntervalSince1970)
                }
            }
            if let r = ratingColumn {
                let span = fields[r]
                guard let value = number(span), !value.isNaN else {
                    let label = columnNames.map { "field \(r + 1) (\($0[r]))" } ?? DataError.fieldLabel(r + 1, "rating")
                    throw DataError(file: file, line: line, field: label,
                                    message: "\(DataError.quote(records.trimmedText(span))) is not a number (the rating)")
                }
                ratings.append(value)
            }
            log.users.append(Int32(users.intern(user)))
            log.items.append(Int32(items.intern(item)))
            log.lines.append(Int32(truncatingIfNeeded: line))
        }
        guard log.count > 0 else { throw DataError(file: file, message: "file has no interaction records") }
        if timeColumn != nil { log.times = times }
        if ratingColumn != nil { log.ratings = ratings }
        return log
    }
}
