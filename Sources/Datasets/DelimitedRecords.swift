import Foundation

/// Splits delimited text (CSV with RFC 4180 quoting, or plain TSV) into records of fields,
/// tracking the line each record starts on. Fields are kept as byte ranges and decoded on
/// demand, so unused columns cost almost nothing. Internal to the loaders.
struct DelimitedRecords {
    /// One field: a byte range, whether it was quoted, and whether it holds `""` escapes.
    struct FieldSpan {
        var start: Int
        var end: Int
        var escaped: Bool
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let file: String
    let delimiter: [UInt8]
    /// RFC 4180 double-quote handling (CSV); off for TSV.
    let quoting: Bool

    /// Calls `body(line, fields)` for each non-empty record, with `line` the 1-based line the
    /// record starts on. Throws for an unterminated quote or text after a closing quote.
    func forEachRecord(_ body: (Int, [FieldSpan]) throws -> Void) throws {
        var line = 1
        var k = 0
        let n = bytes.count
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { k = 3 }
        var fields: [FieldSpan] = []
        let d0 = delimiter[0]
        while k < n {
            fields.removeAll(keepingCapacity: true)
            let recordLine = line
            var atEnd = false
            while !atEnd {
                // One field starting at k.
                if quoting && k < n && bytes[k] == 0x22 {
                    let openLine = line
                    var j = k + 1
                    var escaped = false
                    while true {
                        guard j < n else {
                            throw DataError(file: file, line: openLine, field: DataError.fieldLabel(fields.count + 1, "quoted"),
                                            message: "quoted field is never closed (missing '\"')")
                        }
                        if bytes[j] == 0x22 {
                            if j + 1 < n && bytes[j + 1] == 0x22 { escaped = true; j += 2; continue }
                            break
                        }
                        if bytes[j] == 0x0A { line += 1 }
                        j += 1
                    }
                    fields.append(FieldSpan(start: k + 1, end: j, escaped: escaped))
                    k = j + 1
                    if k < n && bytes[k] == 0x0D { k += 1 }
                    if k >= n || bytes[k] == 0x0A {
                        atEnd = true
                    } else if matchesDelimiter(at: k, first: d0) {
                        k += delimiter.count
                    } else {
                        throw DataError(file: file, line: line, field: DataError.fieldLabel(fields.count, "quoted"),
                                        message: "unexpected character after a closing quote (quotes inside a field must be doubled)")
                    }
                } else {
                    let start = k
                    while k < n && bytes[k] != 0x0A && !(bytes[k] == d0 && matchesDelimiter(at: k, first: d0)) { k += 1 }
                    var end = k
                    if (k >= n || bytes[k] == 0x0A) && end > start && bytes[end - 1] == 0x0D { end -= 1 }
                    fields.append(FieldSpan(start: start, end: end, escaped: false))
                    if k >= n || bytes[k] == 0x0A { atEnd = true } else { k += delimiter.count }
                }
            }
            // k is at the newline (or the end).
            k += 1
            line += 1
            if fields.count == 1 && ByteParsing.isBlank(UnsafeBufferPointer(rebasing: bytes[fields[0].start..<fields[0].end])) {
                continue
            }
            try body(recordLine, fields)
        }
    }

    @inline(__always) private func matchesDelimiter(at k: Int, first: UInt8) -> Bool {
        guard bytes[k] == first else { return false }
        if delimiter.count == 1 { return true }
        guard k + delimiter.count <= bytes.count else { return false }
        for j in 1..<delimiter.count where bytes[k + j] != delimiter[j] { return false }
        return true
    }

    /// The text of a field, with `""` unescaped.
    func text(_ span: FieldSpan) -> String {
        let raw = ByteParsing.string(bytes, span.start, span.end)
        return span.escaped ? raw.replacingOccurrences(of: "\"\"", with: "\"") : raw
    }

    /// The text of a field with surrounding spaces removed.
    func trimmedText(_ span: FieldSpan) -> String {
        var s = span.start, e = span.end
        while s < e && bytes[s] == 0x20 { s += 1 }
        while e > s && bytes[e - 1] == 0x20 { e -= 1 }
        return text(FieldSpan(start: s, end: e, escaped: span.escaped))
    }
}
