import NumCore

/// One MBConv block with folded BatchNorm (see ``MBConvSpec``): expansion 1x1 + ReLU6 (when
/// the expansion ratio is not 1), depthwise + ReLU6, projection 1x1, plus the input when the
/// block keeps the shape.
struct MBConvBlock: Sendable {
    let spec: MBConvSpec
    let expand: PointwiseConv?
    let depthwise: DepthwiseConv
    let project: PointwiseConv

    /// Output size for an input of `height x width`.
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        depthwise.outputSize(height: height, width: width)
    }

    /// Runs the block on the `height x width x inputChannels` input `x` into `output`, using
    /// `expanded` (`height * width * expandedChannels` floats, unused without expansion) and
    /// `depthwiseOut` (output pixels `* expandedChannels`) as scratch. `output` must not
    /// overlap `x`. Returns the output size.
    @discardableResult
    func forward(_ x: UnsafePointer<Float>, height: Int, width: Int, expanded: UnsafeMutablePointer<Float>,
                 depthwiseOut: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>,
                 pool: WorkerPool? = nil) -> (height: Int, width: Int) {
        var stage = x
        if let expand {
            expand.forward(x, pixels: height * width, into: expanded, relu6: true, pool: pool)
            stage = UnsafePointer(expanded)
        }
        depthwise.forward(stage, height: height, width: width, into: depthwiseOut)
        let (oh, ow) = outputSize(height: height, width: width)
        project.forward(depthwiseOut, pixels: oh * ow, into: output, relu6: false,
                        residual: spec.hasResidual ? x : nil, pool: pool)
        return (oh, ow)
    }
}
