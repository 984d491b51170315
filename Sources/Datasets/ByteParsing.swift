import Foundation
import NumCore

/// Byte-level helpers shared by the readers: file loading, number parsing, line splitting.
enum ByteParsing {
    /// The longest line the readers accept (64 MiB: a LightGCN line of about eight million
    /// items). A longer one means a damaged or binary file, and is refused while it is read,
    /// before the rest of the file is.
    static let maxLineBytes = 64 << 20

    /// Reads a whole file in chunks, refusing it (with a ``DataError`` naming the file and
    /// the line) as soon as a line is longer than ``maxLineBytes``; failures to open or read
    /// name the file too.
    static func readFile(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, message: "file not found at \(path)")
        }
        if isDirectory.boolValue {
            throw DataError(file: path, message: "\(path) is a directory, expected a file")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw DataError(file: path, message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG { bytes.reserveCapacity(Int(info.st_size)) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        var lineStart = 0, lineNumber = 1
        while true {
            let got = read(fd, chunk.baseAddress, chunk.count)
            if got < 0 {
                if errno == EINTR { continue }
                throw DataError(file: path, message: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            var k = bytes.count
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<got]))
            let tooLong: Bool = bytes.withUnsafeBufferPointer { all in
                let base = all.baseAddress!
                while k < all.count, let hit = memchr(base + k, 0x0A, all.count - k) {
                    let newline = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
                    if newline - lineStart > maxLineBytes { return true }
                    lineStart = newline + 1
                    lineNumber += 1
                    k = newline + 1
                }
                return all.count - lineStart > maxLineBytes
            }
            if tooLong {
                throw DataError(file: path, line: lineNumber, message: "line \(lineNumber) is longer than \(maxLineBytes >> 20) MiB "
                                + "(the longest line esans reads): the file is damaged or not a text file")
            }
        }
        return bytes
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
