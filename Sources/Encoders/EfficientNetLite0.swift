import NumCore

/// EfficientNet-Lite0 inference in Swift, BatchNorm folded into the convolutions at load
/// time (see ``Lite0Architecture`` for the layers). Activations are HWC (pixels x channels):
/// 1x1 convolutions are GEMMs (`sgemm`), the stem is im2col + GEMM, depthwise convolutions
/// are direct SIMD loops. The output of an image is its 1280 pooled head features.
final class EfficientNetLite0: @unchecked Sendable {
    let stem: StemConv
    let blocks: [MBConvBlock]
    let head: PointwiseConv

    /// Builds the network from named PyTorch tensors (the state dict's names), folding each
    /// BatchNorm into the convolution before it.
    /// - Throws: ``EncoderError`` naming the file and tensor when one is missing or has the
    ///   wrong number of elements.
    init(tensors: Lite0TensorSource) throws {
        let eps = Lite0Architecture.batchNormEpsilon
        func folded(_ conv: String, _ bn: String, out: Int, perOutput: Int, shape: String) throws -> FoldedConv {
            let w = try tensors.floats(conv + ".weight", count: out * perOutput, shape: shape)
            return FoldedConv(weights: w, outChannels: out,
                              gamma: try tensors.floats(bn + ".weight", count: out, shape: "[\(out)]"),
                              beta: try tensors.floats(bn + ".bias", count: out, shape: "[\(out)]"),
                              runningMean: try tensors.floats(bn + ".running_mean", count: out, shape: "[\(out)]"),
                              runningVar: try tensors.floats(bn + ".running_var", count: out, shape: "[\(out)]"),
                              epsilon: eps)
        }
        let stemOut = Lite0Architecture.stemChannels
        stem = StemConv(folded: try folded("_conv_stem", "_bn0", out: stemOut, perOutput: StemConv.patch, shape: "[\(stemOut), 3, 3, 3]"),
                        outChannels: stemOut)
        var blocks = [MBConvBlock]()
        for spec in Lite0Architecture.blocks {
            let p = "_blocks.\(spec.index)."
            let e = spec.expandedChannels, k = spec.kernel
            var expand: PointwiseConv? = nil
            if spec.expansion != 1 {
                expand = PointwiseConv(folded: try folded(p + "_expand_conv", p + "_bn0", out: e, perOutput: spec.inputChannels,
                                                          shape: "[\(e), \(spec.inputChannels), 1, 1]"),
                                       inChannels: spec.inputChannels, outChannels: e)
            }
            let depthwise = DepthwiseConv(folded: try folded(p + "_depthwise_conv", p + "_bn1", out: e, perOutput: k * k,
                                                             shape: "[\(e), 1, \(k), \(k)]"),
                                          channels: e, kernel: k, stride: spec.stride)
            let project = PointwiseConv(folded: try folded(p + "_project_conv", p + "_bn2", out: spec.outputChannels, perOutput: e,
                                                           shape: "[\(spec.outputChannels), \(e), 1, 1]"),
                                        inChannels: e, outChannels: spec.outputChannels)
            blocks.append(MBConvBlock(spec: spec, expand: expand, depthwise: depthwise, project: project))
        }
        self.blocks = blocks
        let last = Lite0Architecture.blocks.last!.outputChannels, features = Lite0Architecture.featureChannels
        head = PointwiseConv(folded: try folded("_conv_head", "_bn1", out: features, perOutput: last, shape: "[\(features), \(last), 1, 1]"),
                             inChannels: last, outChannels: features)
    }

    /// The pooled features of one preprocessed `height x width x 3` image (HWC) into `output`
    /// (1280 floats). `workspace` must be made for this input size; `pool` spreads each GEMM
    /// (nil: this thread only, for running several images side by side).
    func features(_ input: UnsafePointer<Float>, height: Int, width: Int, workspace ws: Lite0Workspace,
                  into output: UnsafeMutablePointer<Float>, pool: WorkerPool? = nil) {
        precondition(ws.height == height && ws.width == width, "workspace made for \(ws.height) x \(ws.width), input is \(height) x \(width)")
        var (h, w) = stem.outputSize(height: height, width: width)
        stem.forward(input, height: height, width: width, patches: ws.patches.data, into: ws.activationA.data, pool: pool)
        var x = ws.activationA.data, y = ws.activationB.data
        for block in blocks {
            (h, w) = block.forward(x, height: h, width: w, expanded: ws.expanded.data, depthwiseOut: ws.depthwise.data,
                                   into: y, pool: pool)
            swap(&x, &y)
        }
        let c = head.outChannels
        head.forward(x, pixels: h * w, into: ws.expanded.data, relu6: true, pool: pool)
        GlobalAveragePool.forward(ws.expanded.data, pixels: h * w, channels: c, into: output)
    }
}

/// The mean over pixels of an HWC activation.
enum GlobalAveragePool {
    /// `output[c] = mean over p of input[p * channels + c]`.
    static func forward(_ input: UnsafePointer<Float>, pixels: Int, channels: Int, into output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: channels)
        for p in 0..<pixels {
            let row = input + p * channels
            for c in 0..<channels { output[c] += row[c] }
        }
        let scale = 1 / Float(pixels)
        for c in 0..<channels { output[c] *= scale }
    }
}
