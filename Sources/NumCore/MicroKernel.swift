/// The 4x16 register tile: `C[0..<rows, 0..<cols] = alpha * A4 * Bpanel + beta * C`.
///
/// `b` is a packed 16-column panel (16 floats per k step). Element (r, p) of the 4-row A
/// strip is `a[r * rowStride + p * kStride]`: a packed panel has strides (1, 4), a row-major
/// A read in place (lda, 1), a transposed A read in place (1, lda). Eight `SIMD8<Float>`
/// accumulators stay in registers; with an FMA target each `addingProduct` is one `vfmadd`.
/// (A 6x16 tile needs 15 of AVX2's 16 vector registers and the compiler spills it.)
@inline(__always)
func microKernel4x16(kc: Int, a: UnsafePointer<Float>, rowStride rs: Int, kStride ks: Int, b: UnsafePointer<Float>,
                     c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                     alpha: Float, beta: Float) {
    typealias V = SIMD8<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
    var ap = a
    var bp = UnsafeRawPointer(b)
    @inline(__always) func step(_ ap: UnsafePointer<Float>, _ bp: UnsafeRawPointer) {
        let b0 = bp.load(as: V.self)
        let b1 = bp.load(fromByteOffset: 32, as: V.self)
        let a0 = V(repeating: ap[0])
        c00 = c00.addingProduct(a0, b0); c01 = c01.addingProduct(a0, b1)
        let a1 = V(repeating: ap[rs])
        c10 = c10.addingProduct(a1, b0); c11 = c11.addingProduct(a1, b1)
        let a2 = V(repeating: ap[2 * rs])
        c20 = c20.addingProduct(a2, b0); c21 = c21.addingProduct(a2, b1)
        let a3 = V(repeating: ap[3 * rs])
        c30 = c30.addingProduct(a3, b0); c31 = c31.addingProduct(a3, b1)
    }
    // Unrolled by 4: with K = 64 the loop overhead is a visible share of a tile.
    var p = 0
    while p + 4 <= kc {
        step(ap, bp)
        step(ap + ks, bp + 64)
        step(ap + 2 * ks, bp + 128)
        step(ap + 3 * ks, bp + 192)
        ap += 4 * ks
        bp += 256
        p += 4
    }
    while p < kc {
        step(ap, bp)
        ap += ks
        bp += 64
        p += 1
    }
    if rows == 4 && cols == 16 {
        store2(c, c00, c01, alpha, beta)
        store2(c + ldc, c10, c11, alpha, beta)
        store2(c + 2 * ldc, c20, c21, alpha, beta)
        store2(c + 3 * ldc, c30, c31, alpha, beta)
        return
    }
    var tile = (c00, c01, c10, c11, c20, c21, c30, c31)
    withUnsafeBytes(of: &tile) { raw in
        storePartial(raw.bindMemory(to: Float.self).baseAddress!, c, ldc, rows, cols, alpha, beta)
    }
}

@inline(__always)
private func storePartial(_ t: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ rows: Int, _ cols: Int, _ alpha: Float, _ beta: Float) {
    for r in 0..<rows {
        let dst = c + r * ldc
        let src = t + r * 16
        if beta == 0 {
            for j in 0..<cols { dst[j] = alpha * src[j] }
        } else {
            for j in 0..<cols { dst[j] = alpha * src[j] + beta * dst[j] }
        }
    }
}

@inline(__always)
private func store2(_ dst: UnsafeMutablePointer<Float>, _ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ alpha: Float, _ beta: Float) {
    let raw = UnsafeMutableRawPointer(dst)
    var y0 = x0, y1 = x1
    if alpha != 1 { y0 *= alpha; y1 *= alpha }
    if beta != 0 {
        y0 = y0.addingProduct(beta, raw.loadUnaligned(as: SIMD8<Float>.self))
        y1 = y1.addingProduct(beta, raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
    }
    raw.storeBytes(of: y0, as: SIMD8<Float>.self)
    raw.storeBytes(of: y1, toByteOffset: 32, as: SIMD8<Float>.self)
}
