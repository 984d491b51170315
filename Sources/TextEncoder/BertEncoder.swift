import NumCore

/// The forward pass of a BERT encoder (inference only, no dropout) over a batch of token-id
/// sequences packed end to end.
///
/// Every dense layer runs as one GEMM over all tokens of the batch (`X · Wᵀ`, weights kept
/// `[out, in]`), attention runs per (sequence, head) pair (``PackedAttention``), and the
/// row-wise kernels are spread over the pool by rows. Per layer:
///
///     qkv = X Wqkvᵀ + b                      (query, key, value fused: T x 3H)
///     A   = LayerNorm(X + attention(qkv) Woᵀ + bo)
///     X'  = LayerNorm(A + GELU(A Wiᵀ + bi) Wfᵀ + bf)
///
/// with the embeddings `X0 = LayerNorm(word[id] + position[p] + tokenType[0])`.
final class BertEncoder: @unchecked Sendable {
    let weights: BertWeights
    var config: BertConfig { weights.config }

    init(weights: BertWeights) { self.weights = weights }

    /// The last hidden states of `sequences` packed: a `T x H` matrix (`T` = total length),
    /// sequence `s` in rows `offsets[s]..<offsets[s+1]` of the returned offsets.
    /// - Precondition: every id is below the vocabulary size and every sequence fits in the
    ///   position table.
    func forward(_ sequences: [[Int32]], pool: WorkerPool?) -> (hidden: Matrix, offsets: [Int]) {
        var offsets = [0]
        for s in sequences {
            precondition(s.count <= config.maxPositions, "sequence of \(s.count) tokens exceeds \(config.maxPositions) positions")
            offsets.append(offsets[offsets.count - 1] + s.count)
        }
        let t = offsets[offsets.count - 1]
        let h = config.hiddenSize
        let x = Matrix(uninitializedRows: t, cols: h)
        if t == 0 { return (x, offsets) }
        embed(sequences, offsets: offsets, into: x, pool: pool)
        let qkv = Matrix(uninitializedRows: t, cols: 3 * h)
        let context = Matrix(uninitializedRows: t, cols: h)
        let attended = Matrix(uninitializedRows: t, cols: h)
        let inner = Matrix(uninitializedRows: t, cols: config.intermediateSize)
        for layer in weights.layers {
            runLayer(layer, x: x, qkv: qkv, context: context, attended: attended, inner: inner,
                     offsets: offsets, pool: pool)
        }
        return (x, offsets)
    }

    /// Sums the word, position and token-type (0) embeddings of every token into `x` and
    /// normalises each row.
    private func embed(_ sequences: [[Int32]], offsets: [Int], into x: Matrix, pool: WorkerPool?) {
        let w = weights, h = config.hiddenSize, eps = config.layerNormEpsilon
        let vocabulary = config.vocabularySize
        let body: (Int) -> Void = { s in
            let ids = sequences[s]
            for (p, id) in ids.enumerated() {
                precondition(id >= 0 && Int(id) < vocabulary, "token id \(id) outside the vocabulary of \(vocabulary)")
                let row = x.row(offsets[s] + p)
                let word = w.wordEmbeddings.row(Int(id)), pos = w.positionEmbeddings.row(p)
                let type = w.tokenTypeEmbeddings.data
                for c in 0..<h { row[c] = word[c] + pos[c] + type[c] }
            }
            TransformerKernels.layerNorm(x.data, cols: h, rows: offsets[s]..<offsets[s + 1],
                                         gain: w.embeddingNormGain.data, bias: w.embeddingNormBias.data, epsilon: eps)
        }
        Self.parallel(sequences.count, pool: pool, body)
    }

    /// One transformer layer, updating `x` in place; the other matrices are scratch space.
    private func runLayer(_ l: BertLayerWeights, x: Matrix, qkv: Matrix, context: Matrix, attended: Matrix,
                          inner: Matrix, offsets: [Int], pool: WorkerPool?) {
        let t = x.rows, h = config.hiddenSize, m = config.intermediateSize, eps = config.layerNormEpsilon

        // Fused Q, K, V projection.
        rows(t, pool) { TransformerKernels.broadcastBias(l.qkvBias.data, residual: nil, into: qkv.data, cols: 3 * h, rows: $0) }
        sgemm(transA: false, transB: true, m: t, n: 3 * h, k: h, a: x.data, lda: h,
              b: l.qkvWeight.data, ldb: h, beta: 1, c: qkv.data, ldc: 3 * h, pool: pool)

        PackedAttention.run(qkv: qkv.data, context: context.data, offsets: offsets, hidden: h,
                            heads: config.headCount, pool: pool)

        // Attention output projection + residual, then LayerNorm.
        rows(t, pool) {
            TransformerKernels.broadcastBias(l.attentionOutBias.data, residual: x.data, into: attended.data, cols: h, rows: $0)
        }
        sgemm(transA: false, transB: true, m: t, n: h, k: h, a: context.data, lda: h,
              b: l.attentionOutWeight.data, ldb: h, beta: 1, c: attended.data, ldc: h, pool: pool)
        rows(t, pool) {
            TransformerKernels.layerNorm(attended.data, cols: h, rows: $0, gain: l.attentionNormGain.data,
                                         bias: l.attentionNormBias.data, epsilon: eps)
        }

        // Feed-forward: expand, GELU, contract + residual, then LayerNorm (into x).
        rows(t, pool) { TransformerKernels.broadcastBias(l.intermediateBias.data, residual: nil, into: inner.data, cols: m, rows: $0) }
        sgemm(transA: false, transB: true, m: t, n: m, k: h, a: attended.data, lda: h,
              b: l.intermediateWeight.data, ldb: h, beta: 1, c: inner.data, ldc: m, pool: pool)
        rows(t, pool) { r in TransformerKernels.geluInPlace(inner.row(r.lowerBound), r.count * m) }
        rows(t, pool) {
            TransformerKernels.broadcastBias(l.outputBias.data, residual: attended.data, into: x.data, cols: h, rows: $0)
        }
        sgemm(transA: false, transB: true, m: t, n: h, k: m, a: inner.data, lda: m,
              b: l.outputWeight.data, ldb: m, beta: 1, c: x.data, ldc: h, pool: pool)
        rows(t, pool) {
            TransformerKernels.layerNorm(x.data, cols: h, rows: $0, gain: l.outputNormGain.data,
                                         bias: l.outputNormBias.data, epsilon: eps)
        }
    }

    /// Runs `body` over `0..<count` rows, in chunks spread over `pool` when there are enough.
    private func rows(_ count: Int, _ pool: WorkerPool?, _ body: @escaping (Range<Int>) -> Void) {
        if let pool, pool.threadCount > 1, count >= 32 {
            pool.parallelRanges(count, chunksPerThread: 2, minChunk: 16, body)
        } else {
            body(0..<count)
        }
    }

    /// Runs `body(i)` for `i` in `0..<count`, over `pool` when it has several threads.
    static func parallel(_ count: Int, pool: WorkerPool?, _ body: @escaping (Int) -> Void) {
        if let pool, pool.threadCount > 1 {
            pool.parallelFor(count, body)
        } else {
            for i in 0..<count { body(i) }
        }
    }
}
