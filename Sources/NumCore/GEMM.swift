/// Single-precision general matrix multiply, row-major, BLAS conventions:
/// `C = alpha * op(A) * op(B) + beta * C`, where `op(A)` is `m x k` and `op(B)` is `k x n`.
///
/// - `transA == false`: A is `m x k` with row stride `lda`; `true`: A is stored `k x m`.
/// - `transB == false`: B is `k x n` with row stride `ldb`; `true`: B is stored `n x k`.
/// - `beta == 0` overwrites C without reading it (NaN in C does not propagate).
///
/// The kernel follows the GotoBLAS scheme: B is packed into 16-column panels per K-block,
/// A into 4-row panels per M-block when it is reused enough to pay for packing, and the kernel
/// does the arithmetic in a 4x16 register tile (see `microKernel4x16`).
/// Blocks of C are spread over `pool`; pass `nil` to run on the calling thread only.
public func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
    pool: WorkerPool? = WorkerPool.shared
) {
    if m == 0 || n == 0 { return }
    if k == 0 || alpha == 0 {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 { row.update(repeating: 0, count: n) } else { for j in 0..<n { row[j] *= beta } }
        }
        return
    }
    let threads = pool?.threadCount ?? 1
    // K-block: long-K products with a transposed A read A column-wise, and a shorter block
    // keeps packing cheap (performance-notes.md).
    let kc = transA ? 256 : 384
    let mc = 96
    // Measured on the workload shapes (bench kernels): an N-block of 512 keeps the packed B
    // block (512 x K floats) in L2 while each 4-row A strip stays in L1.
    let nc = 512
    let mBlocks = (m + mc - 1) / mc
    var jc = 0
    while jc < n {
        let nb = min(nc, n - jc)
        let nPanels = (nb + GEMMTile.nr - 1) / GEMMTile.nr
        var pc = 0
        while pc < k {
            let kb = min(kc, k - pc)
            // Allocation costs ~1 µs against >= 100 µs of work per block.
            let packedB = allocateAligned(nPanels * GEMMTile.nr * kb)
            defer { UnsafeMutableRawPointer(packedB).deallocate() }
            let betaHere: Float = pc == 0 ? beta : 1
            // Pack this K x N block of B (in parallel when it is large).
            let packB: (Range<Int>) -> Void = { panels in
                for panel in panels {
                    packBPanel(b: b, ldb: ldb, transB: transB, k0: pc, kb: kb, j0: jc + panel * GEMMTile.nr,
                               cols: min(GEMMTile.nr, nb - panel * GEMMTile.nr), into: packedB + panel * GEMMTile.nr * kb)
                }
            }
            if let pool, threads > 1, nPanels * kb >= 4_096 {
                pool.parallelRanges(nPanels, chunksPerThread: 2, packB)
            } else {
                packB(0..<nPanels)
            }
            // Split the N panels too when there are too few M-blocks to feed every thread.
            // Aim for >= 8 tasks per thread so that uneven task counts cost little.
            let nSplits = mBlocks >= 8 * threads ? 1 : min(nPanels, max(1, (8 * threads + mBlocks - 1) / mBlocks))
            let panelsPerSplit = (nPanels + nSplits - 1) / nSplits
            // With several N-splits every task would pack the same A strips; pack them once
            // for this K-block instead (only done when A is short, so the buffer stays small).
            var sharedA: UnsafeMutablePointer<Float>? = nil
            if nSplits > 1 && m <= 4 * mc {
                let panelsA = (m + GEMMTile.mr - 1) / GEMMTile.mr
                let buf = allocateAligned(panelsA * GEMMTile.mr * kb)
                for sp in 0..<panelsA {
                    packAPanel(a: a, lda: lda, transA: transA, i0: sp * GEMMTile.mr, rows: min(GEMMTile.mr, m - sp * GEMMTile.mr),
                               k0: pc, kb: kb, into: buf + sp * GEMMTile.mr * kb)
                }
                sharedA = buf
            }
            defer { if let sharedA { UnsafeMutableRawPointer(sharedA).deallocate() } }
            let sharedAPanels = sharedA.map { UnsafePointer($0) }
            let tasks = mBlocks * nSplits
            let pcNow = pc
            let task: (Int) -> Void = { t in
                let ib = t / nSplits, sp = t % nSplits
                let i0 = ib * mc
                let mb = min(mc, m - i0)
                let p0 = sp * panelsPerSplit
                let p1 = min(nPanels, p0 + panelsPerSplit)
                if p0 >= p1 { return }
                let mPanels = (mb + GEMMTile.mr - 1) / GEMMTile.mr
                // Packing a row-major A pays off only when each strip meets many B panels; with
                // few panels (n = 64 in the backward GEMMs) the kernel reads A in place, except
                // for a ragged last strip, which is packed so the kernel never reads past A.
                // A transposed A is always packed: read in place, each k step would touch a
                // new page.
                let packA = transA || (p1 - p0) >= 32 || sharedAPanels != nil
                let ownsA = sharedAPanels == nil
                let packedA = sharedAPanels.map { UnsafeMutablePointer(mutating: $0 + i0 * kb) } ?? allocateAligned(mPanels * GEMMTile.mr * kb)
                defer { if ownsA { UnsafeMutableRawPointer(packedA).deallocate() } }
                if ownsA && transA {
                    // Row by row of the stored A: each k step reads one contiguous run of
                    // `mb` floats and touches one page, instead of one page per panel.
                    packTransposedABlock(a: a, lda: lda, i0: i0, rows: mb, k0: pcNow, kb: kb, into: packedA)
                } else {
                    for mp in 0..<mPanels where ownsA && (packA || (mp + 1) * GEMMTile.mr > mb) {
                        packAPanel(a: a, lda: lda, transA: transA, i0: i0 + mp * GEMMTile.mr, rows: min(GEMMTile.mr, mb - mp * GEMMTile.mr),
                                   k0: pcNow, kb: kb, into: packedA + mp * GEMMTile.mr * kb)
                    }
                }
                let ctx = TileContext(a: a, lda: lda, packedA: UnsafePointer(packedA), packA: packA, packedB: UnsafePointer(packedB),
                                      c: c, ldc: ldc, i0: i0, mb: mb, jc: jc, nb: nb, k0: pcNow, kb: kb, alpha: alpha, beta: betaHere)
                // One A strip stays hot in L1 while the block's B panels stream from L2, and
                // C is written along rows (measured faster than B-panel-outer on every shape).
                for mp in 0..<mPanels { for np in p0..<p1 { ctx.tile(np, mp) } }
            }
            if let pool, threads > 1, tasks > 1, m * nb * kb >= 200_000 {
                pool.parallelFor(tasks, task)
            } else {
                for t in 0..<tasks { task(t) }
            }
            pc += kb
        }
        jc += nb
    }
}

/// Everything one 4x16 tile of a block needs; `tile` is inlined into the block loops (a
/// closure call per tile costs as much as a K = 64 tile's arithmetic).
struct TileContext {
    let a: UnsafePointer<Float>, lda: Int
    let packedA: UnsafePointer<Float>, packA: Bool
    let packedB: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let i0: Int, mb: Int, jc: Int, nb: Int, k0: Int, kb: Int
    let alpha: Float, beta: Float

    @inline(__always)
    func tile(_ np: Int, _ mp: Int) {
        let j = jc + np * GEMMTile.nr
        let cols = min(GEMMTile.nr, nb - np * GEMMTile.nr)
        let i = i0 + mp * GEMMTile.mr
        let rows = min(GEMMTile.mr, mb - mp * GEMMTile.mr)
        let bp = packedB + np * GEMMTile.nr * kb
        if packA || rows < GEMMTile.mr {
            microKernel4x16(kc: kb, a: packedA + mp * GEMMTile.mr * kb, rowStride: 1, kStride: GEMMTile.mr, b: bp,
                            c: c + i * ldc + j, ldc: ldc, rows: rows, cols: cols, alpha: alpha, beta: beta)
        } else {
            microKernel4x16(kc: kb, a: a + i * lda + k0, rowStride: lda, kStride: 1, b: bp,
                            c: c + i * ldc + j, ldc: ldc, rows: rows, cols: cols, alpha: alpha, beta: beta)
        }
    }
}

/// Tile sizes of the micro-kernel.
@usableFromInline enum GEMMTile {
    @usableFromInline static let mr = 4
    @usableFromInline static let nr = 16
}

/// Packs rows `i0..<i0+rows` (zero-padded to 4) and columns `k0..<k0+kb` of op(A), k-major.
@inline(__always)
func packAPanel(a: UnsafePointer<Float>, lda: Int, transA: Bool, i0: Int, rows: Int, k0: Int, kb: Int, into dst: UnsafeMutablePointer<Float>) {
    let mr = GEMMTile.mr
    if transA && rows == mr {
        for p in 0..<kb {
            let v = UnsafeRawPointer(a + (k0 + p) * lda + i0).loadUnaligned(as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(dst + p * mr).storeBytes(of: v, as: SIMD4<Float>.self)
        }
    } else if transA {
        for p in 0..<kb {
            let src = a + (k0 + p) * lda + i0
            let d = dst + p * mr
            for r in 0..<rows { d[r] = src[r] }
            for r in rows..<mr { d[r] = 0 }
        }
    } else {
        for r in 0..<mr {
            if r < rows {
                let src = a + (i0 + r) * lda + k0
                for p in 0..<kb { dst[p * mr + r] = src[p] }
            } else {
                for p in 0..<kb { dst[p * mr + r] = 0 }
            }
        }
    }
}

/// Packs rows `i0..<i0+rows` of op(A) = Aᵀ (A stored `k x m`) into consecutive 4-row panels,
/// the last one zero-padded, with the same layout as `packAPanel` gives panel by panel.
@inline(__always)
func packTransposedABlock(a: UnsafePointer<Float>, lda: Int, i0: Int, rows: Int, k0: Int, kb: Int, into dst: UnsafeMutablePointer<Float>) {
    let mr = GEMMTile.mr
    let full = rows / mr
    let panelStride = mr * kb
    for p in 0..<kb {
        let src = a + (k0 + p) * lda + i0
        var d = dst + p * mr
        for q in 0..<full {
            let v = UnsafeRawPointer(src + q * mr).loadUnaligned(as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(d).storeBytes(of: v, as: SIMD4<Float>.self)
            d += panelStride
        }
        let rest = rows - full * mr
        if rest > 0 {
            for r in 0..<mr { d[r] = r < rest ? src[full * mr + r] : 0 }
        }
    }
}

/// Packs columns `j0..<j0+cols` (zero-padded to 16) and rows `k0..<k0+kb` of op(B), k-major.
@inline(__always)
func packBPanel(b: UnsafePointer<Float>, ldb: Int, transB: Bool, k0: Int, kb: Int, j0: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
    let nr = GEMMTile.nr
    if transB {
        for j in 0..<nr {
            if j < cols {
                let src = b + (j0 + j) * ldb + k0
                for p in 0..<kb { dst[p * nr + j] = src[p] }
            } else {
                for p in 0..<kb { dst[p * nr + j] = 0 }
            }
        }
    } else if cols == nr {
        for p in 0..<kb {
            let src = UnsafeRawPointer(b + (k0 + p) * ldb + j0)
            let d = UnsafeMutableRawPointer(dst + p * nr)
            d.storeBytes(of: src.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
        }
    } else {
        for p in 0..<kb {
            let src = b + (k0 + p) * ldb + j0
            let d = dst + p * nr
            for j in 0..<cols { d[j] = src[j] }
            for j in cols..<nr { d[j] = 0 }
        }
    }
}

/// `count` floats on a 64-byte boundary; free with `UnsafeMutableRawPointer(p).deallocate()`.
@inline(__always)
func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(count, 1))
}

