import Foundation
import NumCore

/// Byte-level repairs of a (fuzzed) safetensors file, so that mutations of the tensor table
/// or the data reach the checks behind the checksums instead of all stopping at them.
///
/// Only the compact form esans writes is recognised (`"key":"value"` without spaces); a file
/// without the patterns is returned unchanged.
public enum SafeTensorsPatch {
    /// The header length and the header's byte range, when the length fits the file.
    static func header(_ file: [UInt8]) -> Range<Int>? {
        guard file.count >= 8 else { return nil }
        var n: UInt64 = 0
        for k in 0..<8 { n |= UInt64(file[k]) << (8 * UInt64(k)) }
        guard n <= UInt64(file.count - 8) else { return nil }
        return 8 ..< 8 + Int(n)
    }

    /// Offsets just past every occurrence of `"key":"` inside `range`.
    static func valueStarts(of key: String, in file: [UInt8], _ range: Range<Int>) -> [Int] {
        let pattern = Array("\"\(key)\":\"".utf8)
        guard range.count >= pattern.count else { return [] }
        var found: [Int] = []
        var k = range.lowerBound
        while k + pattern.count <= range.upperBound {
            if file[k] == pattern[0] && Array(file[k ..< k + pattern.count]) == pattern { found.append(k + pattern.count) }
            k += 1
        }
        return found
    }

    /// `file` with esans's payload and header checksums (see `SafeTensorsFile.headerChecksumKey`)
    /// recomputed wherever their 16 digits are in the header.
    public static func resealed(_ file: [UInt8]) -> [UInt8] {
        guard let h = header(file) else { return file }
        var out = file
        let payload = Array(Checksum64.hex(Checksum64.hash(Array(file[h.upperBound...]))).utf8)
        for start in valueStarts(of: SafeTensorsFile.payloadChecksumKey, in: out, h) where start + 16 <= h.upperBound {
            out.replaceSubrange(start ..< start + 16, with: payload)
        }
        let starts = valueStarts(of: SafeTensorsFile.headerChecksumKey, in: out, h)
        guard starts.count == 1, starts[0] + 16 <= h.upperBound else { return out }
        out.replaceSubrange(starts[0] ..< starts[0] + 16, with: Array(repeating: 0x30, count: 16))
        let sum = Array(Checksum64.hex(Checksum64.hash(Array(out[0 ..< h.upperBound]))).utf8)
        out.replaceSubrange(starts[0] ..< starts[0] + 16, with: sum)
        return out
    }

    /// `file` with the string value of metadata `key` replaced by `value` (the header length
    /// adjusted; data offsets count from the header's end, so they stay right).
    public static func settingString(_ file: [UInt8], key: String, to value: String) -> [UInt8] {
        guard let h = header(file), let start = valueStarts(of: key, in: file, h).first,
              let end = file[start ..< h.upperBound].firstIndex(of: 0x22) else { return file }
        var out = file
        out.replaceSubrange(start ..< end, with: Array(value.utf8))
        let n = UInt64(h.count - (end - start) + value.utf8.count)
        for k in 0..<8 { out[k] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(k))) }
        return out
    }
}
