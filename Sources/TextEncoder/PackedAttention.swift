import NumCore

/// Multi-head scaled dot-product self-attention over a batch of sequences packed end to end
/// without padding.
///
/// The input is the fused projection `qkv`, one row per token of every sequence (`T x 3H`:
/// query, key and value side by side); sequence `s` owns rows `offsets[s]..<offsets[s+1]`.
/// Each token attends only to the tokens of its own sequence, which is exactly what a padded
/// batch with an attention mask computes (masked scores get a weight of 0), without spending
/// any work on padding. The output `context` is `T x H`, head `h` in columns `h*d..<(h+1)*d`.
enum PackedAttention {
    /// Computes `context` for every (sequence, head) pair, spread over `pool` in chunks of
    /// pairs (each chunk reuses one scratch buffer).
    static func run(qkv: UnsafePointer<Float>, context: UnsafeMutablePointer<Float>,
                    offsets: [Int], hidden: Int, heads: Int, pool: WorkerPool?) {
        let sequences = offsets.count - 1
        let pairs = sequences * heads
        var longest = 0
        for s in 0..<sequences { longest = max(longest, offsets[s + 1] - offsets[s]) }
        let capacity = (longest + 7) / 8 * 8
        let body: (Range<Int>) -> Void = { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(capacity, 8))
            defer { scores.deallocate() }
            for pair in range {
                let s = pair / heads, h = pair % heads
                attendOneHead(qkv: qkv, context: context, start: offsets[s], count: offsets[s + 1] - offsets[s],
                              head: h, hidden: hidden, heads: heads, scores: scores)
            }
        }
        if let pool, pool.threadCount > 1 {
            pool.parallelRanges(pairs, chunksPerThread: 8, minChunk: 4, body)
        } else {
            body(0..<pairs)
        }
    }

    /// One head of one sequence: for each query token `i`,
    /// `context_i = sum_j softmax_j(q_i . k_j / sqrt d) v_j`. `scores` holds at least `count`
    /// rounded up to a multiple of 8 floats.
    static func attendOneHead(qkv: UnsafePointer<Float>, context: UnsafeMutablePointer<Float>,
                              start: Int, count n: Int, head: Int, hidden: Int, heads: Int,
                              scores: UnsafeMutablePointer<Float>) {
        if n == 0 { return }
        let d = hidden / heads
        let stride = 3 * hidden
        let scale = 1 / Float(d).squareRoot()
        let q0 = qkv + start * stride + head * d
        let k0 = q0 + hidden
        let v0 = q0 + 2 * hidden
        let vectorised = d % 8 == 0
        for i in 0..<n {
            let q = q0 + i * stride
            // Scores, scaled; lanes past n are -inf so whole vectors can be exponentiated.
            var best = -Float.infinity
            for j in 0..<n {
                let s = (vectorised ? dot8(q, k0 + j * stride, d) : VectorMath.dot(q, k0 + j * stride, d)) * scale
                scores[j] = s
                best = max(best, s)
            }
            let padded = (n + 7) / 8 * 8
            for j in n..<padded { scores[j] = -.infinity }
            var total = SIMD8<Float>()
            let shift = SIMD8<Float>(repeating: best)
            var j = 0
            while j < padded {
                let raw = UnsafeMutableRawPointer(scores + j)
                var e = VectorMath.exp8(raw.loadUnaligned(as: SIMD8<Float>.self) - shift)
                if j + 8 > n {  // zero the padding lanes (exp8 clamps -inf to e^-87, not 0)
                    for lane in (n - j)..<8 { e[lane] = 0 }
                }
                raw.storeBytes(of: e, as: SIMD8<Float>.self)
                total += e
                j += 8
            }
            let norm = 1 / total.sum()
            let out = context + (start + i) * hidden + head * d
            if vectorised {
                var c = 0
                while c < d {
                    var acc = SIMD8<Float>()
                    for j in 0..<n {
                        acc = acc.addingProduct(SIMD8(repeating: scores[j]),
                                                UnsafeRawPointer(v0 + j * stride + c).loadUnaligned(as: SIMD8<Float>.self))
                    }
                    UnsafeMutableRawPointer(out + c).storeBytes(of: acc * norm, as: SIMD8<Float>.self)
                    c += 8
                }
            } else {
                out.update(repeating: 0, count: d)
                for j in 0..<n { VectorMath.axpy(scores[j] * norm, v0 + j * stride, out, d) }
            }
        }
    }

    /// Dot product of two vectors of `d` floats, `d` a multiple of 8.
    @inline(__always)
    static func dot8(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
        var acc = SIMD8<Float>()
        var c = 0
        while c < d {
            acc = acc.addingProduct(UnsafeRawPointer(a + c).loadUnaligned(as: SIMD8<Float>.self),
                                    UnsafeRawPointer(b + c).loadUnaligned(as: SIMD8<Float>.self))
            c += 8
        }
        return acc.sum()
    }
}
