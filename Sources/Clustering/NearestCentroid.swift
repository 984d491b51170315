import Foundation
import NumCore

/// The nearest-centroid search at the heart of k-means, done with GEMM.
///
/// For a point x and centroids c_j, `||x - c_j||^2 = ||x||^2 - 2 x.c_j + ||c_j||^2`. The
/// points are cut into row blocks of a fixed size; for each block one single-threaded
/// `sgemm` computes `X_block · C^T` into a scratch buffer that stays in L2, and a SIMD scan
/// takes the argmin per row. Blocks are spread over the worker pool one at a time, so a
/// busy core holds up only the block it is on. Every block writes only its own rows and its
/// own objective slot, and the slots are summed in block order: results are identical for
/// any thread count.
enum NearestCentroid {
    /// Rows per block: the `rows x k` float scratch stays near 512 KB (half an L2).
    static func blockRows(k: Int) -> Int {
        let r = 131_072 / max(1, k)
        return max(16, min(2048, r - r % 4))
    }

    /// `||row||^2` of every row of `x`, computed in parallel.
    static func rowSquaredNorms(_ x: Matrix, pool: WorkerPool?) -> [Float] {
        let n = x.rows, d = x.cols
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { buf in
            let o = buf.baseAddress!
            let body: (Range<Int>) -> Void = { range in
                for i in range { let r = x.row(i); o[i] = VectorMath.dot(r, r, d) }
            }
            if let pool { pool.parallelRanges(n, chunksPerThread: 4, minChunk: 1024, body) } else { body(0..<n) }
        }
        return out
    }

    /// Nearest centroid of every row of `x`: writes the index (ties go to the lowest index)
    /// into `assignments` and the squared distance (clamped at 0) into `distances`, and
    /// returns the sum of the distances (accumulated in `Double`, per block, in block order).
    ///
    /// - Parameters:
    ///   - xNorms: `||x_i||^2` for every row (see ``rowSquaredNorms(_:pool:)``).
    ///   - centroids: `k x d`, same `d` as `x`.
    static func assign(
        _ x: Matrix, xNorms: UnsafePointer<Float>, centroids: Matrix,
        assignments: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>,
        pool: WorkerPool?
    ) -> Double {
        let n = x.rows, d = x.cols, k = centroids.rows
        precondition(centroids.cols == d, "centroids have \(centroids.cols) columns, points \(d)")
        precondition(k >= 1, "no centroids")
        if n == 0 { return 0 }
        let cNorms = rowSquaredNorms(centroids, pool: nil)
        let rowsPerBlock = blockRows(k: k)
        let blocks = (n + rowsPerBlock - 1) / rowsPerBlock
        let scratch = ScratchBuffers(floats: rowsPerBlock * k)
        var blockObjective = [Double](repeating: 0, count: blocks)
        cNorms.withUnsafeBufferPointer { cn in
            blockObjective.withUnsafeMutableBufferPointer { objBuf in
                let cNorm = cn.baseAddress!
                let obj = objBuf.baseAddress!
                let body: (Int) -> Void = { b in
                    let r0 = b * rowsPerBlock
                    let rows = min(rowsPerBlock, n - r0)
                    let dots = scratch.take()
                    defer { scratch.give(dots) }
                    sgemm(transA: false, transB: true, m: rows, n: k, k: d,
                          a: x.row(r0), lda: d, b: centroids.data, ldb: d,
                          c: dots, ldc: k, pool: nil)
                    var sum = 0.0
                    for i in 0..<rows {
                        let (j, v) = argminRow(dots + i * k, cNorm, k)
                        let dist = max(0, xNorms[r0 + i] + v)
                        assignments[r0 + i] = Int32(j)
                        distances[r0 + i] = dist
                        sum += Double(dist)
                    }
                    obj[b] = sum
                }
                if let pool, blocks > 1 { pool.parallelFor(blocks, body) } else { for b in 0..<blocks { body(b) } }
            }
        }
        return blockObjective.reduce(0, +)
    }

    /// `argmin_j (cNorm[j] - 2 * dots[j])` over `k` entries; ties go to the lowest `j`.
    ///
    /// Lane-wise running minimum and its index (held as exact floats), written with the
    /// non-mutating `replacing(with:where:)`, which compiles to blends; the generic
    /// `pointwiseMin` and mutating `replace` are not inlined and cost several times more.
    @inline(__always)
    static func argminRow(_ dots: UnsafePointer<Float>, _ cNorm: UnsafePointer<Float>, _ k: Int) -> (Int, Float) {
        var j = 0
        var bestValue = Float.infinity
        var bestIndex = 0
        if k >= 8 {
            var best = SIMD8<Float>(repeating: .infinity)
            var bestIdx = SIMD8<Float>(repeating: 0)
            var idx = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
            let step = SIMD8<Float>(repeating: 8)
            let minus2 = SIMD8<Float>(repeating: -2)
            while j + 8 <= k {
                let dv = UnsafeRawPointer(dots + j).loadUnaligned(as: SIMD8<Float>.self)
                let cv = UnsafeRawPointer(cNorm + j).loadUnaligned(as: SIMD8<Float>.self)
                let v = cv.addingProduct(minus2, dv)
                let less = v .< best
                best = best.replacing(with: v, where: less)
                bestIdx = bestIdx.replacing(with: idx, where: less)
                idx += step
                j += 8
            }
            // Each lane holds its earliest minimum; take the lowest index among the lanes
            // that share the overall minimum.
            bestIndex = Int.max
            for l in 0..<8 where best[l] < bestValue || (best[l] == bestValue && Int(bestIdx[l]) < bestIndex) {
                bestValue = best[l]; bestIndex = Int(bestIdx[l])
            }
            if bestIndex == Int.max { bestIndex = 0 }
        }
        while j < k {
            let v = cNorm[j].addingProduct(-2, dots[j])
            if v < bestValue { bestValue = v; bestIndex = j }
            j += 1
        }
        return (bestIndex, bestValue)
    }
}

/// A small free list of equally sized float buffers, one per concurrently running task, so
/// that parallel blocks reuse warm memory instead of allocating (and page-faulting) anew.
final class ScratchBuffers: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [UnsafeMutablePointer<Float>] = []
    private var all: [UnsafeMutablePointer<Float>] = []
    private let floats: Int

    init(floats: Int) { self.floats = max(1, floats) }

    deinit { for p in all { p.deallocate() } }

    /// A buffer of `floats` floats (contents unspecified) for the caller's exclusive use.
    func take() -> UnsafeMutablePointer<Float> {
        lock.lock(); defer { lock.unlock() }
        if let p = free.popLast() { return p }
        let p = UnsafeMutablePointer<Float>.allocate(capacity: floats)
        all.append(p)
        return p
    }

    /// Returns a buffer obtained from ``take()``.
    func give(_ p: UnsafeMutablePointer<Float>) {
        lock.lock(); free.append(p); lock.unlock()
    }
}
