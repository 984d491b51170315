import NumCore

/// The stem: a 3x3 convolution with stride 2 from RGB to 32 channels, TensorFlow "same"
/// padding, folded BatchNorm and ReLU6. The input is gathered into patches (im2col, one row of
/// `3 * 3 * 3 = 27` values per output pixel, zeros where the window hangs over the edge) and
/// multiplied by the `27 x 32` weights in one GEMM.
struct StemConv: @unchecked Sendable {
    static let kernel = 3, stride = 2, inChannels = 3
    let outChannels: Int
    /// `27 x outChannels`, rows in `(ky, kx, inChannel)` order, like the patches.
    let weights: Matrix
    /// `1 x outChannels`.
    let bias: Matrix

    /// Patch length.
    static var patch: Int { kernel * kernel * inChannels }

    /// Builds the layer from folded PyTorch weights `[out, 3, 3, 3]`.
    init(folded: FoldedConv, outChannels: Int) {
        let k = Self.kernel, ci = Self.inChannels
        precondition(folded.weights.count == outChannels * Self.patch && folded.bias.count == outChannels)
        self.outChannels = outChannels
        weights = Matrix(uninitializedRows: Self.patch, cols: outChannels)
        for o in 0..<outChannels {
            for i in 0..<ci {
                for ky in 0..<k {
                    for kx in 0..<k {
                        weights.data[((ky * k + kx) * ci + i) * outChannels + o] = folded.weights[((o * ci + i) * k + ky) * k + kx]
                    }
                }
            }
        }
        bias = Matrix(rows: 1, cols: outChannels, values: folded.bias)
    }

    /// Output size for an input of `height x width`.
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (SamePadding.outputSize(height, stride: Self.stride), SamePadding.outputSize(width, stride: Self.stride))
    }

    /// Convolves the `height x width x 3` input into `output`, using `patches` (at least
    /// `outputPixels * 27` floats) for the im2col matrix.
    func forward(_ input: UnsafePointer<Float>, height: Int, width: Int, patches: UnsafeMutablePointer<Float>,
                 into output: UnsafeMutablePointer<Float>, pool: WorkerPool? = nil) {
        let k = Self.kernel, s = Self.stride, ci = Self.inChannels, p = Self.patch
        let (oh, ow) = outputSize(height: height, width: width)
        let padTop = SamePadding.before(height, kernel: k, stride: s)
        let padLeft = SamePadding.before(width, kernel: k, stride: s)
        for oy in 0..<oh {
            for ox in 0..<ow {
                let row = patches + (oy * ow + ox) * p
                for ky in 0..<k {
                    let iy = oy * s - padTop + ky
                    for kx in 0..<k {
                        let ix = ox * s - padLeft + kx
                        let dst = row + (ky * k + kx) * ci
                        if iy >= 0 && iy < height && ix >= 0 && ix < width {
                            let src = input + (iy * width + ix) * ci
                            dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2]
                        } else {
                            dst[0] = 0; dst[1] = 0; dst[2] = 0
                        }
                    }
                }
            }
        }
        sgemm(transA: false, transB: false, m: oh * ow, n: outChannels, k: p,
              a: patches, lda: p, b: weights.data, ldb: outChannels, c: output, ldc: outChannels, pool: pool)
        ConvEpilogue.biasReLU6(output, rows: oh * ow, cols: outChannels, bias: bias.data)
    }
}
