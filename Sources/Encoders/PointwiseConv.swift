import NumCore

/// A 1x1 convolution with folded BatchNorm, on HWC activations: one GEMM of the
/// `pixels x inChannels` input by the `inChannels x outChannels` weights, then the bias and
/// ReLU6 (expansion and head) or the bias and an optional residual (projection).
struct PointwiseConv: @unchecked Sendable {
    let inChannels: Int
    let outChannels: Int
    /// `inChannels x outChannels` (the GEMM's B, row-major).
    let weights: Matrix
    /// `1 x outChannels`.
    let bias: Matrix

    /// Builds the layer from folded PyTorch weights `[out, in, 1, 1]` (``FoldedConv``).
    init(folded: FoldedConv, inChannels: Int, outChannels: Int) {
        precondition(folded.weights.count == inChannels * outChannels && folded.bias.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        let w = Matrix(uninitializedRows: inChannels, cols: outChannels)
        folded.weights.withUnsafeBufferPointer { src in
            Matrix.transpose(src.baseAddress!, rows: outChannels, cols: inChannels, lds: inChannels, into: w.data, ldd: outChannels)
        }
        weights = w
        bias = Matrix(rows: 1, cols: outChannels, values: folded.bias)
    }

    /// `output = relu6(input * W + b)` (`relu6: true`) or `input * W + b (+ residual)`, for
    /// `pixels` rows. `pool` spreads the GEMM's blocks (nil: this thread only).
    func forward(_ input: UnsafePointer<Float>, pixels: Int, into output: UnsafeMutablePointer<Float>,
                 relu6: Bool, residual: UnsafePointer<Float>? = nil, pool: WorkerPool? = nil) {
        sgemm(transA: false, transB: false, m: pixels, n: outChannels, k: inChannels,
              a: input, lda: inChannels, b: weights.data, ldb: outChannels, c: output, ldc: outChannels, pool: pool)
        if relu6 {
            ConvEpilogue.biasReLU6(output, rows: pixels, cols: outChannels, bias: bias.data)
        } else {
            ConvEpilogue.bias(output, rows: pixels, cols: outChannels, bias: bias.data, residual: residual)
        }
    }
}
