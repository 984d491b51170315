import Foundation

/// A fast 64-bit checksum of bytes: XXH64 (seed 0 unless given), so that a file's recorded
/// checksum can be verified outside esans (Python `xxhash.xxh64(b).hexdigest()`, the
/// `xxh64sum` tool).
///
/// Four independent 64-bit lanes each take one 8-byte word of every 32-byte stripe (multiply,
/// rotate, multiply), so the loop has four dependency chains and runs at several GB/s on one
/// core: checking a checkpoint costs far less than reading it. Each lane's round is a
/// bijection of its input word, so changing any single word of a stripe always changes that
/// lane; the final mix spreads the difference over all 64 bits. It is a checksum against
/// damage (flipped bits, truncation, a file from elsewhere), not a cryptographic hash.
///
/// Use ``hash(_:seed:)`` for a buffer in memory, or ``update(_:)`` then ``value`` to hash
/// several pieces as if they were one.
public struct Checksum64: Sendable {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    private let seed: UInt64
    private var lanes: (UInt64, UInt64, UInt64, UInt64)
    /// Bytes given so far.
    public private(set) var byteCount: UInt64 = 0
    /// Up to 31 bytes not yet consumed as a whole stripe.
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0

    /// A checksum of no bytes yet.
    public init(seed: UInt64 = 0) {
        self.seed = seed
        lanes = (seed &+ Self.p1 &+ Self.p2, seed &+ Self.p2, seed, seed &- Self.p1)
    }

    /// The checksum of `bytes` in one call.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var c = Checksum64(seed: seed)
        c.update(bytes)
        return c.value
    }

    /// The checksum of `data` (an array, `Data`, ...) in one call.
    public static func hash<D: ContiguousBytes>(_ data: D, seed: UInt64 = 0) -> UInt64 {
        data.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// The checksum of the file at `url` (memory-mapped, read once).
    /// - Throws: ``TensorIOError`` naming the file when it cannot be read.
    public static func hash(fileAt url: URL) throws -> UInt64 {
        let data: Data
        do { data = try FileData.read(url, options: .alwaysMapped) } catch {
            throw TensorIOError(file: url.path, problem: "cannot read file: \(FileErrorReason.text(error))")
        }
        return hash(data)
    }

    /// `value` as 16 lowercase hex digits (the canonical form `xxhash`'s `hexdigest()` prints).
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Whether `text` has the form ``hex(_:)`` produces.
    public static func isHex(_ text: String) -> Bool {
        text.utf8.count == 16 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Adds `data`'s bytes.
    public mutating func update<D: ContiguousBytes>(_ data: D) {
        data.withUnsafeBytes { update($0) }
    }

    /// Adds `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var n = bytes.count
        byteCount &+= UInt64(n)
        if pendingCount > 0 {
            let take = min(32 - pendingCount, n)
            let filled = pendingCount
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.advanced(by: filled).copyMemory(from: p, byteCount: take) }
            pendingCount += take
            p += take
            n -= take
            guard pendingCount == 32 else { return }
            withUnsafeBytes(of: pending) { consumeStripes($0.baseAddress!, count: 1) }
            pendingCount = 0
        }
        let stripes = n / 32
        if stripes > 0 { consumeStripes(p, count: stripes) }
        p += stripes * 32
        n -= stripes * 32
        if n > 0 {
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
            pendingCount = n
        }
    }

    /// The checksum of the bytes given so far (more may be added afterwards).
    public var value: UInt64 {
        var h: UInt64
        if byteCount >= 32 {
            let (a, b, c, d) = lanes
            h = rotl(a, 1) &+ rotl(b, 7) &+ rotl(c, 12) &+ rotl(d, 18)
            for v in [a, b, c, d] { h = (h ^ Self.round(0, v)) &* Self.p1 &+ Self.p4 }
        } else {
            h = seed &+ Self.p5
        }
        h &+= byteCount
        var tail = pending
        let count = pendingCount
        withUnsafeBytes(of: &tail) { raw in
            let t = raw.baseAddress!
            var i = 0
            while i + 8 <= count {
                h ^= Self.round(0, UInt64(littleEndian: t.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                h = rotl(h, 27) &* Self.p1 &+ Self.p4
                i += 8
            }
            if i + 4 <= count {
                h ^= UInt64(UInt32(littleEndian: t.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* Self.p1
                h = rotl(h, 23) &* Self.p2 &+ Self.p3
                i += 4
            }
            while i < count {
                h ^= UInt64(t.load(fromByteOffset: i, as: UInt8.self)) &* Self.p5
                h = rotl(h, 11) &* Self.p1
                i += 1
            }
        }
        h ^= h >> 33
        h = h &* Self.p2
        h ^= h >> 29
        h = h &* Self.p3
        h ^= h >> 32
        return h
    }

    /// Runs `count` 32-byte stripes starting at `p` through the four lanes (kept in registers).
    private mutating func consumeStripes(_ p: UnsafeRawPointer, count: Int) {
        var (a, b, c, d) = lanes
        var q = p
        for _ in 0..<count {
            a = Self.round(a, UInt64(littleEndian: q.loadUnaligned(as: UInt64.self)))
            b = Self.round(b, UInt64(littleEndian: q.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            c = Self.round(c, UInt64(littleEndian: q.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            d = Self.round(d, UInt64(littleEndian: q.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            q += 32
        }
        lanes = (a, b, c, d)
    }

    @inline(__always) static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }
}

@inline(__always) private func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x &<< r) | (x &>> (64 - r)) }
