import NumCore

/// Scratch memory for one forward pass of ``EfficientNetLite0`` at one input size: two
/// activation buffers the blocks ping-pong between, the expansion and depthwise outputs, and
/// the stem's patch matrix. One workspace serves one image at a time; the encoder keeps one
/// per thread.
final class Lite0Workspace: @unchecked Sendable {
    let height: Int
    let width: Int
    let activationA: Matrix
    let activationB: Matrix
    let expanded: Matrix
    let depthwise: Matrix
    let patches: Matrix
    /// The preprocessed input image (`height x width x 3`).
    let input: Matrix

    /// Buffers large enough for every layer at an input of `height x width`.
    init(height: Int, width: Int) {
        precondition(height > 0 && width > 0)
        self.height = height
        self.width = width
        var h = SamePadding.outputSize(height, stride: StemConv.stride)
        var w = SamePadding.outputSize(width, stride: StemConv.stride)
        var activation = h * w * Lite0Architecture.stemChannels
        var expandedSize = 0, depthwiseSize = 0
        let patchSize = h * w * StemConv.patch
        for spec in Lite0Architecture.blocks {
            if spec.expansion != 1 { expandedSize = max(expandedSize, h * w * spec.expandedChannels) }
            h = SamePadding.outputSize(h, stride: spec.stride)
            w = SamePadding.outputSize(w, stride: spec.stride)
            depthwiseSize = max(depthwiseSize, h * w * spec.expandedChannels)
            activation = max(activation, h * w * spec.outputChannels)
        }
        expandedSize = max(expandedSize, h * w * Lite0Architecture.featureChannels)  // the head's output
        activationA = Matrix(uninitializedRows: 1, cols: activation)
        activationB = Matrix(uninitializedRows: 1, cols: activation)
        expanded = Matrix(uninitializedRows: 1, cols: expandedSize)
        depthwise = Matrix(uninitializedRows: 1, cols: depthwiseSize)
        patches = Matrix(uninitializedRows: 1, cols: patchSize)
        input = Matrix(uninitializedRows: 1, cols: height * width * 3)
    }
}
