import Foundation
import NumCore

/// Byte-level helpers shared by the readers: file loading, number parsing, line splitting.
enum ByteParsing {
    /// Reads a whole file, mapping failures to a ``DataError`` that names the file.
    static func readFile(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, message: "file not found at \(path)")
        }
        if isDirectory.boolValue {
            throw DataError(file: path, message: "\(path) is a directory, expected a file")
        }
        do {
            let data = try FileData.read(URL(fileURLWithPath: path), options: .mappedIfSafe)
            return [UInt8](data)
        } catch {
            throw DataError(file: path, message: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

    /// Whether the buffer holds nothing but whitespace and line ends.
    static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where !(isSpace(b) || b == 0x0A) { return false }
        return true
    }

    /// Calls `body(lineNumber, start, end)` for each line (1-based numbers), with a trailing
    /// `\r` excluded. The last line needs no terminating newline.
    @inline(__always)
    static func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, startLine: Int = 1,
                            _ body: (Int, Int, Int) throws -> Void) rethrows {
        var lineNumber = startLine
        var lineStart = start
        let n = bytes.count
        while lineStart < n {
            var end = lineStart
            while end < n && bytes[end] != 0x0A { end += 1 }
            var contentEnd = end
            if contentEnd > lineStart && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            try body(lineNumber, lineStart, contentEnd)
            lineNumber += 1
            lineStart = end + 1
        }
    }

    /// Text of `bytes[start..<end]` (invalid UTF-8 replaced).
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// Outcome of parsing a non-negative integer id.
    enum IDParse { case value(Int32), notInteger, tooLarge }

    /// Parses decimal digits only (no sign) into an id below `Int32.max`.
    @inline(__always)
    static func parseID(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> IDParse {
        if start == end { return .notInteger }
        var value = 0
        for k in start..<end {
            let d = Int(bytes[k]) &- 48
            if d < 0 || d > 9 { return .notInteger }
            value = value &* 10 &+ d
            if value >= Int(Int32.max) { return tooLargeOrBad(bytes, k + 1, end) }
        }
        return .value(Int32(value))
    }

    private static func tooLargeOrBad(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int) -> IDParse {
        for k in from..<end where bytes[k] < 48 || bytes[k] > 57 { return .notInteger }
        return .tooLarge
    }

    /// Parses a decimal floating-point number (`-12`, `3.5`, `1e9`, `.5`); nil if malformed.
    /// Plain integers and short decimals are parsed directly, anything else through `Double(_:)`.
    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var k = start
        var negative = false
        if k < end && (bytes[k] == 0x2D || bytes[k] == 0x2B) { negative = bytes[k] == 0x2D; k += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var sawDot = false
        while k < end {
            let b = bytes[k]
            if b >= 48 && b <= 57 {
                if digits >= 18 { return slowDouble(bytes, start, end) }
                mantissa = mantissa * 10 + UInt64(b - 48)
                digits += 1
                if sawDot { scale += 1 }
            } else if b == 0x2E && !sawDot {
                sawDot = true
            } else {
                return slowDouble(bytes, start, end)
            }
            k += 1
        }
        if digits == 0 { return nil }
        var value = Double(mantissa)
        if scale > 0 {
            if scale > 22 { return slowDouble(bytes, start, end) }
            value /= powersOfTen[scale]
        }
        return negative ? -value : value
    }

    private static let powersOfTen: [Double] = (0...22).map { Double("1e\($0)")! }

    private static func slowDouble(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let text = string(bytes, start, end)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
