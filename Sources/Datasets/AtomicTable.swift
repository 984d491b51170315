import Foundation

/// A RecBole atomic file (`.inter`, `.item`, `.user`, `.kg`, `.link`, ...) read into typed columns.
///
/// The first line is a tab-separated header of `name:type` fields, where type is `token`
/// (one string), `token_seq` (strings separated by spaces), `float` or `float_seq` (numbers
/// separated by spaces). Every following non-blank line has exactly one value per field.
/// Tokens are taken verbatim (they may contain spaces, e.g. movie titles); an empty `float`
/// value reads as NaN and an empty sequence as `[]`. `\r\n` line ends are accepted.
///
/// For example the MovieLens files of ``DataFetcher`` hold `ml-100k.item` with
/// `item_id:token, movie_title:token_seq, release_year:token, class:token_seq`.
public struct AtomicTable: Sendable {
    /// A field's value type as written in the header.
    public enum FieldType: String, Sendable, CaseIterable {
        /// One string.
        case token
        /// Strings separated by spaces.
        case tokenSeq = "token_seq"
        /// One number.
        case float
        /// Numbers separated by spaces.
        case floatSeq = "float_seq"
    }

    /// One header field.
    public struct Field: Sendable, Equatable {
        /// The name before the colon.
        public let name: String
        /// The type after the colon.
        public let type: FieldType
    }

    /// The values of one column.
    public enum Column: Sendable {
        /// A `token` column.
        case token([String])
        /// A `token_seq` column.
        case tokenSeq([[String]])
        /// A `float` column.
        case float([Double])
        /// A `float_seq` column.
        case floatSeq([[Double]])
    }

    /// Display name of the file.
    public let file: String
    /// The header fields, in file order.
    public let fields: [Field]
    /// One column per field; nil for fields not loaded (see `only` in ``read(path:only:)``).
    public let columns: [Column?]
    /// 1-based source line of each row.
    public let lineNumbers: [Int]

    /// Number of data rows.
    public var rowCount: Int { lineNumbers.count }

    /// Reads the file at `path`. When `only` is given, just those fields are decoded (the
    /// others are still checked for count but not for type), which is faster for large files.
    public static func read(path: String, only: Set<String>? = nil) throws -> AtomicTable {
        let bytes = try ByteParsing.readFile(path)
        let file = URL(fileURLWithPath: path).lastPathComponent
        return try bytes.withUnsafeBufferPointer { try parse(bytes: $0, file: file, only: only) }
    }

    /// Reads only the header line of the file at `path`.
    public static func readHeader(path: String) throws -> [Field] {
        let file = URL(fileURLWithPath: path).lastPathComponent
        guard let handle = FileHandle(forReadingAtPath: path) else {
            _ = try ByteParsing.readFile(path)  // throws the precise reason
            throw DataError(file: file, message: "cannot open \(path)")
        }
        defer { try? handle.close() }
        var head: [UInt8] = []
        // Chunks until one holds a newline (each chunk is searched once).
        while let chunk = try? handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            head.append(contentsOf: chunk)
            if chunk.contains(0x0A) { break }
            if head.count > ByteParsing.maxLineBytes {
                throw DataError(file: file, line: 1, message: "line 1 is longer than \(ByteParsing.maxLineBytes >> 20) MiB "
                                + "(the longest line esans reads): the file is damaged or not a text file")
            }
        }
        if let newline = head.firstIndex(of: 0x0A) { head.removeSubrange(newline...) }
        if head.last == 0x0D { head.removeLast() }
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { head.removeFirst(3) }
        guard !head.allSatisfy({ ByteParsing.isSpace($0) }) else {
            throw DataError(file: file, message: "file is empty (expected a header such as 'user_id:token\\titem_id:token')")
        }
        return try parseHeader(String(decoding: head, as: UTF8.self), file: file)
    }

    /// Parses atomic-file text (UTF-8); `file` names it in errors.
    public static func parse(text: String, file: String, only: Set<String>? = nil) throws -> AtomicTable {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { try parse(bytes: $0, file: file, only: only) }
    }

    /// Parses atomic-file bytes held in memory (UTF-8 text, as ``read(path:only:)`` reads a
    /// file's); `file` names it in errors.
    public static func parse(bytes: [UInt8], file: String, only: Set<String>? = nil) throws -> AtomicTable {
        try bytes.withUnsafeBufferPointer { try parse(bytes: $0, file: file, only: only) }
    }

    /// Index of the field called `name`.
    public func fieldIndex(_ name: String) -> Int? { fields.firstIndex { $0.name == name } }

    /// The field called `name`.
    public func field(named name: String) -> Field? { fields.first { $0.name == name } }

    /// The column of field `name`, if it exists and was loaded.
    public func column(_ name: String) -> Column? { fieldIndex(name).flatMap { columns[$0] } }

    /// Values of the `token` field `name`.
    public func tokens(_ name: String) -> [String]? {
        if case .token(let v)? = column(name) { return v }
        return nil
    }

    /// Values of the `token_seq` field `name`.
    public func tokenSequences(_ name: String) -> [[String]]? {
        if case .tokenSeq(let v)? = column(name) { return v }
        return nil
    }

    /// Values of the `float` field `name`.
    public func floats(_ name: String) -> [Double]? {
        if case .float(let v)? = column(name) { return v }
        return nil
    }

    /// Values of the `float_seq` field `name`.
    public func floatSequences(_ name: String) -> [[Double]]? {
        if case .floatSeq(let v)? = column(name) { return v }
        return nil
    }

    /// Message-friendly label of field `index` (0-based), e.g. `field 3 (rating)`.
    public func fieldLabel(_ index: Int) -> String { DataError.fieldLabel(index + 1, fields[index].name) }

    /// Parses atomic-file bytes.
    static func parse(bytes: UnsafeBufferPointer<UInt8>, file: String, only: Set<String>?) throws -> AtomicTable {
        guard !ByteParsing.isBlank(bytes) else {
            throw DataError(file: file, message: "file is empty (expected a header such as 'user_id:token\\titem_id:token')")
        }
        var headerEnd = 0
        while headerEnd < bytes.count && bytes[headerEnd] != 0x0A { headerEnd += 1 }
        var headerContentEnd = headerEnd
        if headerContentEnd > 0 && bytes[headerContentEnd - 1] == 0x0D { headerContentEnd -= 1 }
        var headerStart = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { headerStart = 3 }
        let fields = try parseHeader(ByteParsing.string(bytes, headerStart, headerContentEnd), file: file)
        if let only {
            for name in only where !fields.contains(where: { $0.name == name }) {
                throw DataError(file: file, line: 1, message: "no field named \(DataError.quote(name)); fields are "
                                    + DataError.quoteList(fields.map(\.name), quoted: false))
            }
        }
        let wanted = fields.map { only?.contains($0.name) ?? true }
        var builders = fields.enumerated().map { ColumnBuilder(type: $0.element.type, active: wanted[$0.offset]) }
        var lineNumbers: [Int] = []
        var starts = [Int](repeating: 0, count: fields.count)
        var ends = [Int](repeating: 0, count: fields.count)

        try ByteParsing.forEachLine(bytes, from: min(headerEnd + 1, bytes.count), startLine: 2) { lineNumber, start, end in
            if start == end { return }
            var found = 0
            var fieldStart = start
            var k = start
            while true {
                if k == end || bytes[k] == 0x09 {
                    if found < fields.count { starts[found] = fieldStart; ends[found] = k }
                    found += 1
                    if k == end { break }
                    fieldStart = k + 1
                }
                k += 1
            }
            if found == 1 && ByteParsing.isBlank(UnsafeBufferPointer(rebasing: bytes[start..<end])) { return }
            guard found == fields.count else {
                throw DataError(file: file, line: lineNumber,
                                message: "expected \(fields.count) tab-separated fields (\(DataError.quoteList(fields.map(\.name), quoted: false))), found \(found)")
            }
            for f in 0..<fields.count where wanted[f] {
                if let problem = builders[f].append(bytes, starts[f], ends[f]) {
                    throw DataError(file: file, line: lineNumber, field: DataError.fieldLabel(f + 1, fields[f].name), message: problem)
                }
            }
            lineNumbers.append(lineNumber)
        }
        return AtomicTable(file: file, fields: fields, columns: builders.map { $0.column }, lineNumbers: lineNumbers)
    }

    /// Parses `name:type` header fields.
    static func parseHeader(_ header: String, file: String) throws -> [Field] {
        var fields: [Field] = []
        for (k, raw) in header.split(separator: "\t", omittingEmptySubsequences: false).enumerated() {
            let text = raw.trimmingCharacters(in: .whitespaces)
            let label = "header field \(k + 1)"
            guard let colon = text.lastIndex(of: ":"), colon != text.startIndex else {
                throw DataError(file: file, line: 1, field: label,
                                message: "\(DataError.quote(text)) is not of the form name:type "
                                    + "(type one of token, token_seq, float, float_seq)")
            }
            let name = String(text[..<colon]), typeText = String(text[text.index(after: colon)...])
            guard let type = FieldType(rawValue: typeText) else {
                throw DataError(file: file, line: 1, field: label,
                                message: "unknown type \(DataError.quote(typeText)) in \(DataError.quote(text)); "
                                    + "expected one of token, token_seq, float, float_seq")
            }
            guard !fields.contains(where: { $0.name == name }) else {
                throw DataError(file: file, line: 1, field: label, message: "field name \(DataError.quote(name)) appears twice")
            }
            fields.append(Field(name: name, type: type))
        }
        return fields
    }
}

/// Accumulates one column's values while parsing.
private struct ColumnBuilder {
    let type: AtomicTable.FieldType
    let active: Bool
    var tokens: [String] = []
    var tokenSeqs: [[String]] = []
    var floats: [Double] = []
    var floatSeqs: [[Double]] = []

    init(type: AtomicTable.FieldType, active: Bool) {
        self.type = type
        self.active = active
    }

    var column: AtomicTable.Column? {
        guard active else { return nil }
        switch type {
        case .token: return .token(tokens)
        case .tokenSeq: return .tokenSeq(tokenSeqs)
        case .float: return .float(floats)
        case .floatSeq: return .floatSeq(floatSeqs)
        }
    }

    /// Appends the value in `bytes[start..<end]`; returns a problem description if malformed.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String? {
        switch type {
        case .token:
            tokens.append(ByteParsing.string(bytes, start, end))
        case .tokenSeq:
            tokenSeqs.append(Self.pieces(bytes, start, end).map { ByteParsing.string(bytes, $0.0, $0.1) })
        case .float:
            let (s, e) = Self.trimmed(bytes, start, end)
            if s == e { floats.append(.nan); return nil }
            guard let v = ByteParsing.parseDouble(bytes, s, e) else {
                return "\(DataError.quote(ByteParsing.string(bytes, s, e))) is not a number"
            }
            floats.append(v)
        case .floatSeq:
            var values: [Double] = []
            for (s, e) in Self.pieces(bytes, start, end) {
                guard let v = ByteParsing.parseDouble(bytes, s, e) else {
                    return "\(DataError.quote(ByteParsing.string(bytes, s, e))) in a float_seq is not a number"
                }
                values.append(v)
            }
            floatSeqs.append(values)
        }
        return nil
    }

    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int) {
        var s = start, e = end
        while s < e && bytes[s] == 0x20 { s += 1 }
        while e > s && bytes[e - 1] == 0x20 { e -= 1 }
        return (s, e)
    }

    /// Space-separated pieces of a sequence value.
    static func pieces(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        var k = start
        while k < end {
            while k < end && bytes[k] == 0x20 { k += 1 }
            let s = k
            while k < end && bytes[k] != 0x20 { k += 1 }
            if k > s { result.append((s, k)) }
        }
        return result
    }
}
