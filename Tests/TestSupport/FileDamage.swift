import Foundation
import NumCore

// Damaged copies of a file (flipped bytes, truncations) for the tests that check a reader
// refuses them, and legacy copies without the checksums esans writes.

/// What a damaged file did to a reader.
public enum DamageOutcome: CustomStringConvertible {
    /// Refused with this error's description.
    case refused(String)
    /// Read without complaint (the damage was not seen).
    case accepted
    public var description: String {
        switch self {
        case .refused(let m): return "refused: \(m)"
        case .accepted: return "accepted"
        }
    }
}

/// The damage done to the file: `xor` at `offset`, or a cut to `length` bytes.
public enum Damage: CustomStringConvertible, Sendable {
    case flip(offset: Int, xor: UInt8)
    case truncate(length: Int)
    public var description: String {
        switch self {
        case .flip(let o, let x): return "byte \(o) ^ 0x\(String(x, radix: 16))"
        case .truncate(let n): return "truncated to \(n) bytes"
        }
    }
}

/// Offsets spread over `0..<count`: every one up to `dense`, then about `samples` evenly spaced
/// ones, always with the first and last `edge` bytes.
public func damageOffsets(count: Int, dense: Int = 1024, samples: Int = 400, edge: Int = 16) -> [Int] {
    guard count > dense else { return Array(0..<count) }
    let step = max(1, count / samples)
    return Array(Set(Array(0..<min(edge, count)) + Array(stride(from: 0, to: count, by: step)) + Array(max(0, count - edge)..<count))).sorted()
}

/// Flips (three masks) at `offsets` and cuts to `lengths`.
public func damages(offsets: [Int], lengths: [Int]) -> [Damage] {
    let masks: [UInt8] = [0x01, 0x80, 0xFF]
    return offsets.enumerated().map { k, o in Damage.flip(offset: o, xor: masks[k % masks.count]) } + lengths.map { Damage.truncate(length: $0) }
}

/// Writes each damaged version of `url`'s bytes over `url`, runs `read`, and restores the
/// original. Returns the damages whose outcome was not a refusal mentioning `mention`
/// (typically the file's name), with the outcome.
public func damagesNotRefused(_ url: URL, _ damages: [Damage], mention: String, read: () throws -> Void) throws -> [(Damage, DamageOutcome)] {
    let original = try Data(contentsOf: url)
    defer { try? original.write(to: url) }
    var missed: [(Damage, DamageOutcome)] = []
    for d in damages {
        var bytes = original
        switch d {
        case .flip(let o, let x):
            guard o < bytes.count else { continue }
            bytes[bytes.startIndex + o] ^= x
        case .truncate(let n):
            guard n < bytes.count else { continue }
            bytes = bytes.prefix(n)
        }
        try bytes.write(to: url)
        do {
            try read()
            missed.append((d, .accepted))
        } catch {
            let message = "\(error)"
            if !message.contains(mention) { missed.append((d, .refused(message))) }
        }
    }
    return missed
}

/// `data`, a safetensors file esans wrote, as an esans from before checksums wrote it: the
/// two checksum entries removed from the metadata (the header re-padded, offsets unchanged).
public func withoutChecksums(_ data: Data) -> Data {
    let n = Int(data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
    var header = String(decoding: data[data.startIndex + 8 ..< data.startIndex + 8 + n], as: UTF8.self)
    for key in [SafeTensorsFile.headerChecksumKey, SafeTensorsFile.payloadChecksumKey] {
        let pattern = "\"\(key)\":\""
        guard let r = header.range(of: pattern) else { continue }
        var end = header.index(r.upperBound, offsetBy: 17)  // 16 digits and the closing quote
        var start = r.lowerBound
        if header[end] == "," { end = header.index(after: end) } else if header[header.index(before: start)] == "," { start = header.index(before: start) }
        header.removeSubrange(start..<end)
    }
    header = header.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"__metadata__\":{},", with: "")
    var bytes = Array(header.utf8)
    while bytes.count % 8 != 0 { bytes.append(0x20) }
    var out = Data()
    withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: bytes)
    out.append(data[(data.startIndex + 8 + n)...])
    return out
}
