/// The inner-product pass of a single query over a block of row-major vectors (a GEMV), with
/// SIMD8 loads and four rows in flight so that the FMA latency is hidden.
public enum ScoreKernel {
    /// `out[r] = dot(query, rows[r])` for `r` in `0..<count`; `rows` has row stride `dim`.
    @inlinable
    public static func scores(query: UnsafePointer<Float>, rows: UnsafePointer<Float>, count: Int, dim: Int,
                              out: UnsafeMutablePointer<Float>) {
        if dim == 64 {
            scores64(query: query, rows: rows, count: count, out: out)
            return
        }
        let vectorEnd = dim & ~7
        var r = 0
        while r + 4 <= count {
            let p0 = rows + r * dim, p1 = p0 + dim, p2 = p1 + dim, p3 = p2 + dim
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var j = 0
            while j < vectorEnd {
                let q = load(query + j)
                a0 = a0.addingProduct(q, load(p0 + j))
                a1 = a1.addingProduct(q, load(p1 + j))
                a2 = a2.addingProduct(q, load(p2 + j))
                a3 = a3.addingProduct(q, load(p3 + j))
                j += 8
            }
            var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
            while j < dim {
                s0 += query[j] * p0[j]; s1 += query[j] * p1[j]; s2 += query[j] * p2[j]; s3 += query[j] * p3[j]
                j += 1
            }
            out[r] = s0; out[r + 1] = s1; out[r + 2] = s2; out[r + 3] = s3
            r += 4
        }
        while r < count {
            let p = rows + r * dim
            var s: Float = 0
            for j in 0..<dim { s += query[j] * p[j] }
            out[r] = s
            r += 1
        }
    }

    /// The `dim == 64` case (the default model size): the query stays in eight registers.
    @inlinable
    static func scores64(query: UnsafePointer<Float>, rows: UnsafePointer<Float>, count: Int,
                         out: UnsafeMutablePointer<Float>) {
        let q0 = load(query), q1 = load(query + 8), q2 = load(query + 16), q3 = load(query + 24)
        let q4 = load(query + 32), q5 = load(query + 40), q6 = load(query + 48), q7 = load(query + 56)
        @inline(__always) func dot(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
            var a = q0 * load(p)
            var b = q1 * load(p + 8)
            a = a.addingProduct(q2, load(p + 16))
            b = b.addingProduct(q3, load(p + 24))
            a = a.addingProduct(q4, load(p + 32))
            b = b.addingProduct(q5, load(p + 40))
            a = a.addingProduct(q6, load(p + 48))
            b = b.addingProduct(q7, load(p + 56))
            return a + b
        }
        var r = 0
        while r + 4 <= count {
            let p = rows + r * 64
            let d0 = dot(p), d1 = dot(p + 64), d2 = dot(p + 128), d3 = dot(p + 192)
            // Pairwise horizontal reduction of four 8-lane partial sums.
            let l01 = d0.lowHalf + d0.highHalf, l11 = d1.lowHalf + d1.highHalf
            let l21 = d2.lowHalf + d2.highHalf, l31 = d3.lowHalf + d3.highHalf
            out[r] = l01.sum(); out[r + 1] = l11.sum(); out[r + 2] = l21.sum(); out[r + 3] = l31.sum()
            r += 4
        }
        while r < count {
            out[r] = dot(rows + r * 64).sum()
            r += 1
        }
    }

    @inline(__always) @usableFromInline
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}
