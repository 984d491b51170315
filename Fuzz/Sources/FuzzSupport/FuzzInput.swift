/// A fuzzer's input read front to back: a few leading bytes choose options (the reader's
/// settings, which checksums to repair), the rest is the file or files to read.
///
/// Reading past the end gives zeros and empty slices, so every input, however short, is a
/// valid choice of options.
public struct FuzzInput {
    /// All the bytes.
    public let bytes: [UInt8]
    /// Next byte to read.
    public private(set) var position = 0

    /// The input `size` bytes at `data`.
    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// An input given as bytes (seeds, tests).
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next byte, 0 past the end.
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next two bytes as a little-endian length, 0 past the end.
    public mutating func uint16() -> Int {
        let lo = Int(byte()), hi = Int(byte())
        return lo | hi << 8
    }

    /// The next `count` bytes (fewer at the end).
    public mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + max(0, count))
        defer { position = end }
        return Array(bytes[position..<end])
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] { take(bytes.count - position) }

    /// Everything not read yet, cut at the first `maxParts - 1` zero bytes: the files of a
    /// text format (the last part keeps any further zeros).
    public mutating func parts(_ maxParts: Int) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var current: [UInt8] = []
        for b in rest() {
            if b == 0 && out.count < maxParts - 1 {
                out.append(current)
                current = []
            } else {
                current.append(b)
            }
        }
        out.append(current)
        return out
    }
}

/// Builds an input the way ``FuzzInput`` reads it back (for seeds).
public struct InputBuilder {
    /// The bytes so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends option bytes.
    public mutating func options(_ values: UInt8...) { bytes += values }

    /// Appends a little-endian 16-bit length.
    public mutating func uint16(_ value: Int) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }

    /// Appends raw bytes.
    public mutating func append<S: Sequence>(_ more: S) where S.Element == UInt8 { bytes += more }

    /// Appends text as UTF-8.
    public mutating func text(_ s: String) { bytes += Array(s.utf8) }

    /// Appends text files separated by zero bytes (read back by ``FuzzInput/parts(_:)``).
    public mutating func files(_ texts: [String]) {
        bytes += Array(texts.joined(separator: "\u{0}").utf8)
    }

    /// A seed of one option byte followed by text files (the layout of the file-set targets).
    public static func seed(_ flags: UInt8, _ files: [String]) -> [UInt8] {
        var b = InputBuilder()
        b.options(flags)
        b.files(files)
        return b.bytes
    }
}
