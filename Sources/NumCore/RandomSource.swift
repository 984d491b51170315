import Foundation

/// The project's seeded random generator: xoshiro256** seeded through SplitMix64.
///
/// Every random choice in esans flows from one run seed. Components never share a generator;
/// each derives its own stream with ``derived(_:)`` so that adding draws in one component does
/// not shift the numbers another one sees.
public struct RandomSource: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The seed this generator was created from.
    public let seed: UInt64

    /// A generator for `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        var sm = seed
        func splitmix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(&sm); s1 = splitmix(&sm); s2 = splitmix(&sm); s3 = splitmix(&sm)
    }

    /// An independent generator for a named purpose (e.g. `derived(7)` for worker 7, or a
    /// hash of a component name), reproducible from this generator's seed alone.
    public func derived(_ stream: UInt64) -> RandomSource {
        RandomSource(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ 0x632B_E59B_D9B4_E019)
    }

    /// A generator derived from a component name.
    public func derived(_ name: String) -> RandomSource {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return derived(h)
    }

    /// Next 64 random bits.
    @inlinable @inline(__always) public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    @inlinable @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform integer in `0..<n` (Lemire's multiply-shift, unbiased).
    @inlinable @inline(__always) public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var x = next()
        var m = x.multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold {
                x = next()
                m = x.multipliedFullWidth(by: bound)
            }
        }
        return Int(m.high)
    }

    /// Uniform float in [0, 1).
    @inlinable @inline(__always) public mutating func unitFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Two independent uniform floats in [0, 1) from one 64-bit draw (24 bits each).
    @inlinable @inline(__always) public mutating func unitFloatPair() -> (Float, Float) {
        let x = next()
        return (Float(x >> 40) * (1.0 / 16_777_216.0), Float((x >> 16) & 0xFF_FFFF) * (1.0 / 16_777_216.0))
    }

    /// Uniform double in [0, 1).
    @inlinable public mutating func unitDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Standard normal sample (Box-Muller).
    public mutating func normal() -> Float {
        var u1 = unitDouble()
        while u1 <= 1e-300 { u1 = unitDouble() }
        let u2 = unitDouble()
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// Exponential(1) sample, used for Dirichlet(1) weights.
    public mutating func exponential() -> Float {
        var u = unitDouble()
        while u <= 1e-300 { u = unitDouble() }
        return Float(-_log(u))
    }

    /// Fisher-Yates shuffle in place.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, below(i + 1)) }
    }
}

@usableFromInline func _log(_ x: Double) -> Double { Foundation.log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Foundation.cos(x) }
