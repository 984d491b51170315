import NumCore

/// Row-wise and element-wise kernels of the transformer forward pass: bias broadcast,
/// LayerNorm and the exact GELU. Every kernel works on a range of rows so the caller can
/// spread rows over a ``WorkerPool``.
enum TransformerKernels {
    /// `erfc(|x|)` for 8 lanes (Abramowitz & Stegun 7.1.26: absolute error below 1.5e-7, and
    /// no cancellation in the tail, which GELU needs for large negative inputs).
    @inline(__always)
    static func erfcAbs8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let ax = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (1 + 0.327_591_1 * ax)
        var p = SIMD8<Float>(repeating: 1.061_405_429)
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        p = p * t
        return p * VectorMath.exp8(-(ax * ax))
    }

    /// `erf(x)` for 8 lanes, absolute error below 1.5e-7.
    @inline(__always)
    static func erf8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let e = 1 - erfcAbs8(x)
        return e.replacing(with: -e, where: x .< 0)
    }

    /// The exact GELU, `x * Phi(x) = x/2 * (1 + erf(x / sqrt 2))`, for 8 lanes.
    @inline(__always)
    static func gelu8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // 1 + erf(u) is erfc(|u|) for u < 0 and 2 - erfc(u) for u >= 0.
        let q = erfcAbs8(x * 0.707_106_781_186_547_5)
        let onePlusErf = q.replacing(with: 2 - q, where: x .>= 0)
        return 0.5 * x * onePlusErf
    }

    /// Scalar `erf`, through the vector kernel (for tests and tails).
    static func erf(_ x: Float) -> Float { erf8(SIMD8(repeating: x))[0] }

    /// Scalar GELU, through the vector kernel.
    static func gelu(_ x: Float) -> Float { gelu8(SIMD8(repeating: x))[0] }

    /// GELU in place over `n` floats.
    static func geluInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            let raw = UnsafeMutableRawPointer(x + i)
            raw.storeBytes(of: gelu8(raw.loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
            i += 8
        }
        if i < n {
            var tail = SIMD8<Float>(repeating: 0)
            for j in i..<n { tail[j - i] = x[j] }
            let g = gelu8(tail)
            for j in i..<n { x[j] = g[j - i] }
        }
    }

    /// Rows `rows` of the `? x cols` matrix at `out` set to `bias` (plus `residual`'s rows
    /// when given): the initial C of a GEMM run with `beta = 1`.
    static func broadcastBias(_ bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
                              into out: UnsafeMutablePointer<Float>, cols: Int, rows: Range<Int>) {
        for r in rows {
            let dst = out + r * cols
            if let residual {
                let src = residual + r * cols
                for c in 0..<cols { dst[c] = src[c] + bias[c] }
            } else {
                dst.update(from: bias, count: cols)
            }
        }
    }

    /// LayerNorm in place over rows `rows` of the `? x cols` matrix at `x`:
    /// `(x - mean) / sqrt(var + eps) * gain + bias`, with the biased variance computed in a
    /// second pass over the centred values (no `E[x^2] - mean^2` cancellation).
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, cols: Int, rows: Range<Int>,
                          gain: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float) {
        let inv = 1 / Float(cols)
        for r in rows {
            let row = x + r * cols
            var acc = SIMD8<Float>()
            var i = 0
            while i + 8 <= cols {
                acc += UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self)
                i += 8
            }
            var sum = acc.sum()
            while i < cols { sum += row[i]; i += 1 }
            let mean = sum * inv
            let mv = SIMD8<Float>(repeating: mean)
            acc = SIMD8<Float>()
            i = 0
            while i + 8 <= cols {
                let d = UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self) - mv
                acc = acc.addingProduct(d, d)
                i += 8
            }
            var sq = acc.sum()
            while i < cols { let d = row[i] - mean; sq += d * d; i += 1 }
            let scale = 1 / (sq * inv + epsilon).squareRoot()
            let sv = SIMD8<Float>(repeating: scale)
            i = 0
            while i + 8 <= cols {
                let raw = UnsafeMutableRawPointer(row + i)
                let d = (raw.loadUnaligned(as: SIMD8<Float>.self) - mv) * sv
                let g = UnsafeRawPointer(gain + i).loadUnaligned(as: SIMD8<Float>.self)
                let b = UnsafeRawPointer(bias + i).loadUnaligned(as: SIMD8<Float>.self)
                raw.storeBytes(of: b.addingProduct(d, g), as: SIMD8<Float>.self)
                i += 8
            }
            while i < cols { row[i] = (row[i] - mean) * scale * gain[i] + bias[i]; i += 1 }
        }
    }
}
