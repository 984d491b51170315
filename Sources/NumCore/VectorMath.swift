/// Vectorised elementwise kernels used by the loss, the towers and evaluation.
public enum VectorMath {
    /// `exp(x)` for 8 lanes at once, relative error below 4e-7 over [-87, 88]; inputs
    /// outside that range are clamped to it.
    @inlinable @inline(__always)
    public static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // `clamped` compiles to out-of-line generic calls; select with masks instead.
        var xc = x.replacing(with: -87.0, where: x .< -87.0)
        xc = xc.replacing(with: 88.0, where: xc .> 88.0)
        return exp8InRange(xc)
    }

    /// `exp(x)` for lanes already known to lie in [-87, 88] (no clamping; garbage outside).
    ///
    /// Range reduction `x = n ln2 + r` with the round-to-nearest done by the 1.5 * 2^23 trick,
    /// a degree-6 polynomial for `exp(r)` on |r| <= ln2/2, and `2^n` built in the exponent
    /// bits. Only arithmetic and bit casts: no lane-by-lane code with an AVX2 target.
    @inlinable @inline(__always)
    public static func exp8InRange(_ xc: SIMD8<Float>) -> SIMD8<Float> {
        let magic = SIMD8<Float>(repeating: 12_582_912.0)  // 1.5 * 2^23
        let t = xc * 1.442_695_04 + magic
        let n = t - magic
        var r = xc - n * 0.693_145_751_953_125
        r = r - n * 1.428_606_765_330_187e-6
        var p = SIMD8<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // t's low mantissa bits hold n + 0x400000 (two's complement); shift n into the exponent.
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
        return p * scale
    }

    /// Numerically stable `log(sum(exp(x)))` of `n` floats.
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        if n == 0 { return -.infinity }
        let m = max(x, n)
        if !m.isFinite { return m }
        return m + logf_(sumExpShifted(x, n, shift: m))
    }

    /// Largest of `n` floats.
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = -Float.infinity
        var i = 0
        if n >= 8 {
            var mv = SIMD8<Float>(repeating: -.infinity)
            while i + 8 <= n {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                mv = mv.replacing(with: v, where: v .> mv)
                i += 8
            }
            m = mv.max()
        }
        while i < n { if x[i] > m { m = x[i] }; i += 1 }
        return m
    }

    /// `sum(exp(x[i] - shift))`.
    public static func sumExpShifted(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let s = SIMD8<Float>(repeating: shift)
        while i + 8 <= n {
            acc += exp8(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - s)
            i += 8
        }
        var total = acc.sum()
        while i < n { total += expf_(x[i] - shift); i += 1 }
        return total
    }

    /// In place: `x[i] = exp(x[i] - shift)`, returning the sum. `shift` should be the maximum
    /// (as in a softmax); pass `minimum` when known so rows whose range is safe skip clamping.
    /// (Two explicit loops: passing the exp variant as a closure was not inlined and cost 2x.)
    public static func expShiftedInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float, minimum: Float = -.infinity) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let s = SIMD8<Float>(repeating: shift)
        if minimum - shift >= -87 && shift.isFinite {
            while i + 8 <= n {
                let raw = UnsafeMutableRawPointer(x + i)
                let e = exp8InRange(raw.loadUnaligned(as: SIMD8<Float>.self) - s)
                raw.storeBytes(of: e, as: SIMD8<Float>.self)
                acc += e
                i += 8
            }
        } else {
            while i + 8 <= n {
                let raw = UnsafeMutableRawPointer(x + i)
                let e = exp8(raw.loadUnaligned(as: SIMD8<Float>.self) - s)
                raw.storeBytes(of: e, as: SIMD8<Float>.self)
                acc += e
                i += 8
            }
        }
        var total = acc.sum()
        while i < n { let e = expf_(x[i] - shift); x[i] = e; total += e; i += 1 }
        return total
    }

    /// Smallest and largest of `n` floats.
    public static func minMax(_ x: UnsafePointer<Float>, _ n: Int) -> (min: Float, max: Float) {
        var lo = Float.infinity, hi = -Float.infinity
        var i = 0
        if n >= 8 {
            var lv = SIMD8<Float>(repeating: .infinity), hv = SIMD8<Float>(repeating: -.infinity)
            while i + 8 <= n {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                hv = hv.replacing(with: v, where: v .> hv)
                lv = lv.replacing(with: v, where: v .< lv)
                i += 8
            }
            lo = lv.min(); hi = hv.max()
        }
        while i < n { lo = Swift.min(lo, x[i]); hi = Swift.max(hi, x[i]); i += 1 }
        return (lo, hi)
    }

    /// Dot product of two `n`-vectors.
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            let ra = UnsafeRawPointer(a + i), rb = UnsafeRawPointer(b + i)
            acc0 = acc0.addingProduct(ra.loadUnaligned(as: SIMD8<Float>.self), rb.loadUnaligned(as: SIMD8<Float>.self))
            acc1 = acc1.addingProduct(ra.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self),
                                      rb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// `y += alpha * x` over `n` floats.
    @inlinable
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let av = SIMD8<Float>(repeating: alpha)
        while i + 8 <= n {
            let ry = UnsafeMutableRawPointer(y + i)
            let v = ry.loadUnaligned(as: SIMD8<Float>.self).addingProduct(av, UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
            ry.storeBytes(of: v, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    /// `y = alpha * x` over `n` floats (overwrites `y`).
    @inlinable
    public static func scaled(_ alpha: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = alpha * x[i] }
    }

    /// `x *= alpha` over `n` floats.
    @inlinable
    public static func scale(_ x: UnsafeMutablePointer<Float>, _ n: Int, by alpha: Float) {
        for i in 0..<n { x[i] *= alpha }
    }
}

@usableFromInline func expf_(_ x: Float) -> Float {
    var v = SIMD8<Float>(repeating: 0); v[0] = x
    return VectorMath.exp8(v)[0]
}

@usableFromInline func logf_(_ x: Float) -> Float { Float(log(Double(x))) }

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
