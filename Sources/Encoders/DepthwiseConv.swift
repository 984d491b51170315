import NumCore

/// A depthwise `kernel x kernel` convolution with stride, TensorFlow "same" padding and
/// folded BatchNorm, followed by ReLU6, on HWC activations.
///
/// Direct SIMD: for each output pixel, 32 (then 8, then 1) channels at a time accumulate
/// `input[iy, ix, c] * w[ky, kx, c]` in registers over the taps that fall inside the image (a
/// table of valid taps, rebuilt only at the borders, so the inner loop has no bounds tests).
/// Weights are stored tap-major, `[ky, kx, channel]`, so a tap's channels are contiguous like
/// the input's.
struct DepthwiseConv: @unchecked Sendable {
    let channels: Int
    let kernel: Int
    let stride: Int
    /// `kernel * kernel x channels`.
    let weights: Matrix
    /// `1 x channels`.
    let bias: Matrix

    /// Builds the layer from folded PyTorch weights `[channels, 1, kernel, kernel]`.
    init(folded: FoldedConv, channels: Int, kernel: Int, stride: Int) {
        precondition(folded.weights.count == channels * kernel * kernel && folded.bias.count == channels)
        self.channels = channels
        self.kernel = kernel
        self.stride = stride
        weights = Matrix(uninitializedRows: kernel * kernel, cols: channels)
        for c in 0..<channels {
            for t in 0..<(kernel * kernel) { weights.data[t * channels + c] = folded.weights[c * kernel * kernel + t] }
        }
        bias = Matrix(rows: 1, cols: channels, values: folded.bias)
    }

    /// Output size for an input of `height x width`.
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (SamePadding.outputSize(height, stride: stride), SamePadding.outputSize(width, stride: stride))
    }

    /// Convolves the `height x width x channels` input into `output` (output size from
    /// ``outputSize(height:width:)``), with ReLU6.
    func forward(_ input: UnsafePointer<Float>, height: Int, width: Int, into output: UnsafeMutablePointer<Float>) {
        let (oh, ow) = outputSize(height: height, width: width)
        let padTop = SamePadding.before(height, kernel: kernel, stride: stride)
        let padLeft = SamePadding.before(width, kernel: kernel, stride: stride)
        let C = channels, k = kernel
        // The valid taps of the current pixel: input offsets relative to the window's top-left
        // corner, and weight offsets. Rebuilt only when the window's clipping changes (at the
        // borders), so interior pixels reuse one table.
        var tapBuffer = [Int](repeating: 0, count: 2 * k * k)
        tapBuffer.withUnsafeMutableBufferPointer { taps in
            let xOffsets = taps.baseAddress!, wOffsets = taps.baseAddress! + k * k
            var clip = (-1, -1, -1, -1), n = 0
            for oy in 0..<oh {
                let iy0 = oy * stride - padTop
                let ky0 = max(0, -iy0), ky1 = min(k, height - iy0)
                for ox in 0..<ow {
                    let ix0 = ox * stride - padLeft
                    let kx0 = max(0, -ix0), kx1 = min(k, width - ix0)
                    if clip != (ky0, ky1, kx0, kx1) {
                        clip = (ky0, ky1, kx0, kx1)
                        n = 0
                        for ky in ky0..<ky1 {
                            for kx in kx0..<kx1 {
                                xOffsets[n] = (ky * width + kx) * C
                                wOffsets[n] = (ky * k + kx) * C
                                n += 1
                            }
                        }
                    }
                    Self.pixel(input, corner: (iy0 * width + ix0) * C, taps: n, xOffsets: xOffsets, wOffsets: wOffsets,
                               weights: weights.data, bias: bias.data, channels: C, into: output + (oy * ow + ox) * C)
                }
            }
        }
    }

    /// One output pixel: for each channel, bias plus the sum over `taps` of input times weight,
    /// then ReLU6. `corner` (possibly negative) plus a tap's input offset is a valid index.
    @inline(__always)
    static func pixel(_ input: UnsafePointer<Float>, corner: Int, taps n: Int, xOffsets: UnsafePointer<Int>,
                      wOffsets: UnsafePointer<Int>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                      channels C: Int, into out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let zero = V(repeating: 0), six = V(repeating: 6)
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
            let clipped = v.replacing(with: zero, where: v .< zero).replacing(with: six, where: v .> six)
            UnsafeMutableRawPointer(p).storeBytes(of: clipped, as: V.self)
        }
        var c = 0
        while c &+ 32 <= C {
            var a0 = load(bias + c), a1 = load(bias + (c &+ 8)), a2 = load(bias + (c &+ 16)), a3 = load(bias + (c &+ 24))
            for t in 0..<n {
                let x = input + (corner &+ xOffsets[t] &+ c), w = weights + (wOffsets[t] &+ c)
                a0 = a0.addingProduct(load(x), load(w))
                a1 = a1.addingProduct(load(x + 8), load(w + 8))
                a2 = a2.addingProduct(load(x + 16), load(w + 16))
                a3 = a3.addingProduct(load(x + 24), load(w + 24))
            }
            store(a0, out + c); store(a1, out + (c &+ 8)); store(a2, out + (c &+ 16)); store(a3, out + (c &+ 24))
            c &+= 32
        }
        while c &+ 8 <= C {
            var a0 = load(bias + c)
            for t in 0..<n {
                a0 = a0.addingProduct(load(input + (corner &+ xOffsets[t] &+ c)), load(weights + (wOffsets[t] &+ c)))
            }
            store(a0, out + c)
            c &+= 8
        }
        while c < C {
            var a = bias[c]
            for t in 0..<n { a += input[corner &+ xOffsets[t] &+ c] * weights[wOffsets[t] &+ c] }
            out[c] = ConvEpilogue.relu6(a)
            c &+= 1
        }
    }
}
