import Foundation
import Testing
@testable import NumCore

/// ``Checksum64`` is XXH64: reference values from the xxHash library (libxxhash 0.8,
/// `XXH64(buffer, length, 0)`), for every tail length and the 32-byte stripe loop.
@Suite struct ChecksumTests {
    @Test(arguments: [
        ("", "ef46db3751d8e999"),
        ("a", "d24ec4f1a98c6e5b"),
        ("abc", "44bc2cf5ad770999"),
        ("0123456789abcdef0123456789abcdefX", "ce5a102349511ece"),
    ])
    func matchesTheReference(_ text: String, _ expected: String) {
        #expect(Checksum64.hex(Checksum64.hash(Array(text.utf8))) == expected)
    }

    /// 768 bytes `0, 1, ..., 255` three times: 24 stripes, no tail.
    @Test func longInputMatchesTheReference() {
        let bytes = (0..<768).map { UInt8($0 % 256) }
        #expect(Checksum64.hex(Checksum64.hash(bytes)) == "8e03c838c596036f")
    }

    /// Hashing in pieces, split anywhere, equals hashing at once; `value` can be read midway.
    @Test func piecesEqualTheWhole() {
        let bytes = (0..<203).map { UInt8(($0 * 37 + 11) % 256) }
        let whole = Checksum64.hash(bytes)
        for a in stride(from: 0, through: bytes.count, by: 7) {
            for b in stride(from: a, through: bytes.count, by: 13) {
                var c = Checksum64()
                c.update(Array(bytes[..<a]))
                _ = c.value
                c.update(Array(bytes[a..<b]))
                c.update(Array(bytes[b...]))
                #expect(c.value == whole, "split at \(a), \(b)")
                #expect(c.byteCount == UInt64(bytes.count))
            }
        }
    }

    /// Every single-bit flip of a 100-byte buffer changes the checksum.
    @Test func everyBitFlipChangesIt() {
        var bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 91) }
        let original = Checksum64.hash(bytes)
        var same = 0
        for i in bytes.indices {
            for bit in 0..<8 {
                bytes[i] ^= 1 << bit
                if Checksum64.hash(bytes) == original { same += 1 }
                bytes[i] ^= 1 << bit
            }
        }
        #expect(same == 0)
        #expect(Checksum64.hash(bytes.dropLast()) != original)
    }

    @Test func hexIsSixteenLowercaseDigits() {
        #expect(Checksum64.hex(0x1F) == "000000000000001f")
        #expect(Checksum64.isHex("000000000000001f") && !Checksum64.isHex("000000000000001F") && !Checksum64.isHex("1f"))
    }
}
