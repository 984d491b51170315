import Foundation

/// The checksums esans keeps in the `__metadata__` of the safetensors files it writes, so a
/// damaged, truncated or altered file is refused instead of used.
///
/// - `esans.payload_xxh64`: ``Checksum64`` (XXH64) of every byte after the header, as 16 hex
///   digits; in Python, `xxhash.xxh64(data[8 + n:]).hexdigest()`.
/// - `esans.header_xxh64`: ``Checksum64`` of the first `8 + n` bytes (length and header) with
///   this key's own 16 digits read as `0`s; it covers the metadata, the tensor table, the
///   payload checksum and the padding.
///
/// Both are written together, so a file with one and not the other is damaged; a file with
/// neither (third-party files, esans files from before checksums) is read unchecked. Other
/// readers (numpy, PyTorch, `safetensors`) see two more metadata strings. A file rewritten
/// by another tool with these keys copied over fails the header check: drop the keys then.
extension SafeTensorsFile {
    /// Metadata key of the header checksum.
    public static let headerChecksumKey = "esans.header_xxh64"
    /// Metadata key of the payload checksum.
    public static let payloadChecksumKey = "esans.payload_xxh64"
    /// The largest header read (the limit of the Python `safetensors` reader): a length
    /// prefix above it is refused before the header is parsed.
    public static let maxHeaderBytes = 100_000_000

    /// The 16 digits placed in the header before its checksum is known.
    static let placeholder = String(repeating: "0", count: 16)

    /// The byte offsets of the header checksum's 16 digits in `header` (the file's first
    /// `8 + n` bytes): after every occurrence of `"esans.header_xxh64":"`. Escaped quotes
    /// cannot form that pattern inside a JSON string, so a file we wrote has exactly one.
    static func headerChecksumPositions(in header: UnsafeRawBufferPointer) -> [Int] {
        let pattern = Array("\"\(headerChecksumKey)\":\"".utf8)
        guard header.count >= pattern.count + 16 else { return [] }
        var found: [Int] = []
        for start in 0...(header.count - pattern.count - 16) where header[start] == pattern[0] {
            var k = 1
            while k < pattern.count && header[start + k] == pattern[k] { k += 1 }
            if k == pattern.count { found.append(start + k) }
        }
        return found
    }

    /// Writes the header checksum into `file` (a complete file image whose header carries
    /// ``placeholder`` under ``headerChecksumKey``) at the digits' position.
    static func sealHeader(_ file: inout Data, headerEnd: Int) {
        let (position, sum) = file.withUnsafeBytes { raw -> (Int, UInt64) in
            let header = UnsafeRawBufferPointer(rebasing: raw[0..<headerEnd])
            let positions = headerChecksumPositions(in: header)
            precondition(positions.count == 1, "header checksum key written \(positions.count) times")
            return (positions[0], Checksum64.hash(header))
        }
        file.replaceSubrange(file.startIndex + position ..< file.startIndex + position + 16, with: Array(Checksum64.hex(sum).utf8))
    }

    /// Checks the checksums of the file `data` read from `path` (header of `headerEnd` bytes,
    /// string `metadata` already parsed). Returns the payload checksum, or `nil` for a file
    /// without checksums.
    /// - Throws: ``TensorIOError`` naming the file's path: only one of the two checksums
    ///   present or malformed, header checksum mismatch, payload checksum mismatch.
    static func verifyChecksums(_ data: Data, headerEnd: Int, metadata: [String: String], path: String) throws -> String? {
        let headerSum = metadata[headerChecksumKey], payloadSum = metadata[payloadChecksumKey]
        if headerSum == nil && payloadSum == nil { return nil }
        func fail(_ problem: String) -> TensorIOError { TensorIOError(file: path, problem: problem) }
        guard let headerSum, let payloadSum, Checksum64.isHex(headerSum), Checksum64.isHex(payloadSum) else {
            throw fail("checksum metadata damaged (\(headerChecksumKey) \(headerSum ?? "missing"), \(payloadChecksumKey) \(payloadSum ?? "missing")); the file is damaged")
        }
        let actualHeader: UInt64? = data.withUnsafeBytes { raw in
            var header = [UInt8](UnsafeRawBufferPointer(rebasing: raw[0..<headerEnd]))
            let positions = header.withUnsafeBytes { headerChecksumPositions(in: $0) }
            guard positions.count == 1 else { return nil }
            for k in positions[0] ..< positions[0] + 16 { header[k] = 0x30 }
            return Checksum64.hash(header)
        }
        guard let actualHeader, Checksum64.hex(actualHeader) == headerSum else {
            throw fail("header checksum mismatch (file damaged, or rewritten by another tool with esans's checksums copied over)")
        }
        let actualPayload = data.withUnsafeBytes { Checksum64.hash(UnsafeRawBufferPointer(rebasing: $0[headerEnd...])) }
        guard Checksum64.hex(actualPayload) == payloadSum else {
            throw fail("payload checksum mismatch (file damaged or truncated)")
        }
        return payloadSum
    }
}

/// The product of `shape`'s dimensions times `elementSize`, or `nil` when it overflows `Int`
/// (a header claiming an absurd size).
func byteCount(of shape: [Int], elementSize: Int) -> Int? {
    var total = elementSize
    for d in shape {
        let (p, overflow) = total.multipliedReportingOverflow(by: d)
        if overflow { return nil }
        total = p
    }
    return total
}
