extension VectorMath {
    /// Natural logarithm of 8 positive lanes at once, relative error below 2e-7 for normal
    /// inputs (zero, negative, infinite and NaN lanes give garbage).
    ///
    /// Branch-free: the bits of x split into 2^e * (1 + f) with 1 + f in [sqrt(1/2), sqrt(2))
    /// by one integer subtraction and shift, then log(1 + f) from the Cephes polynomial and
    /// e ln 2 added in two parts. Only arithmetic and bit casts, so an AVX2 target keeps it
    /// in vector registers.
    @inlinable @inline(__always)
    public static func log8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        // sqrt(1/2) = 0x3F3504F3: exponents counted from there put the mantissa in range.
        let e = (bits &- 0x3F35_04F3) &>> 23
        let mantissa = unsafeBitCast(bits &- (e &<< 23), to: SIMD8<Float>.self)
        let f = mantissa - 1
        let ef = unsafeBitCast(e &+ 0x4B40_0000, to: SIMD8<Float>.self) - 12_582_912.0   // Float(e), exactly
        let z = f * f
        // Every step is an explicit fused multiply-add: written as `p * f + c`, the compiler
        // split these vectors into scalar and 4-wide pieces and the function ran 4x slower.
        typealias V = SIMD8<Float>
        var p = V(repeating: 7.037_683_629_2e-2)
        p = V(repeating: -1.151_461_031_0e-1).addingProduct(p, f)
        p = V(repeating: 1.167_699_874_0e-1).addingProduct(p, f)
        p = V(repeating: -1.242_014_084_6e-1).addingProduct(p, f)
        p = V(repeating: 1.424_932_278_7e-1).addingProduct(p, f)
        p = V(repeating: -1.666_805_766_5e-1).addingProduct(p, f)
        p = V(repeating: 2.000_071_476_5e-1).addingProduct(p, f)
        p = V(repeating: -2.499_999_399_3e-1).addingProduct(p, f)
        p = V(repeating: 3.333_333_117_4e-1).addingProduct(p, f)
        var y = (p * f) * z
        y = y.addingProduct(ef, V(repeating: -2.121_944_40e-4))
        y = y.addingProduct(z, V(repeating: -0.5))
        return (f + y).addingProduct(ef, V(repeating: 0.693_359_375))
    }
}
