/// One MBConv block of EfficientNet-Lite0: an optional 1x1 expansion (+BN, ReLU6), a depthwise
/// `kernel x kernel` convolution with `stride` (+BN, ReLU6), a 1x1 projection (+BN, no
/// activation), and the input added back when the shapes allow it. Lite models have no
/// squeeze-excitation.
public struct MBConvSpec: Sendable, Equatable {
    /// Position in `_blocks` (0-based).
    public let index: Int
    /// Depthwise kernel size (3 or 5).
    public let kernel: Int
    /// Depthwise stride (1 or 2).
    public let stride: Int
    /// Expansion ratio (1: no expansion convolution).
    public let expansion: Int
    /// Input channels.
    public let inputChannels: Int
    /// Output channels.
    public let outputChannels: Int

    /// Channels of the depthwise stage.
    public var expandedChannels: Int { inputChannels * expansion }
    /// True when the block adds its input to its output (stride 1, same channel count).
    public var hasResidual: Bool { stride == 1 && inputChannels == outputChannels }
}

/// The EfficientNet-Lite0 architecture, as the TensorFlow reference
/// (`efficientnet/lite/efficientnet_lite_builder.py`) defines it and the published PyTorch
/// port (`efficientnet_lite_pytorch`, lukemelas-style names `_conv_stem`, `_blocks.N.*`,
/// `_conv_head`) builds it; checked against the weights file's 296 tensors:
///
/// - stem: 3x3 convolution, stride 2, 3 -> 32 channels, BN, ReLU6 (224 -> 112);
/// - 16 MBConv blocks in 7 stages (repeats, kernel, stride, expansion, in -> out):
///   (1, 3, 1, 1, 32 -> 16), (2, 3, 2, 6, 16 -> 24), (2, 5, 2, 6, 24 -> 40), (3, 3, 2, 6, 40 -> 80),
///   (3, 5, 1, 6, 80 -> 112), (4, 5, 2, 6, 112 -> 192), (1, 3, 1, 6, 192 -> 320);
///   the first block of a stage has the stage's stride and input channels, the others stride 1;
/// - head: 1x1 convolution 320 -> 1280, BN, ReLU6, global average pool -> 1280 features
///   (the classifier `_fc` is not used);
/// - BatchNorm epsilon 1e-3 everywhere; TensorFlow "same" padding (output `ceil(in / stride)`,
///   an odd padding pixel goes after), so a stride-2 3x3 convolution on an even size pads
///   0 before and 1 after.
public enum Lite0Architecture {
    /// Stem output channels.
    public static let stemChannels = 32
    /// Feature (head) channels: the width of an image embedding.
    public static let featureChannels = 1280
    /// BatchNorm epsilon of every layer.
    public static let batchNormEpsilon = 1e-3
    /// The input size the model was trained at.
    public static let inputSize = 224

    /// (repeats, kernel, stride, expansion, input channels, output channels) per stage.
    static let stages: [(Int, Int, Int, Int, Int, Int)] = [
        (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
        (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
    ]

    /// The 16 blocks in order.
    public static let blocks: [MBConvSpec] = {
        var out = [MBConvSpec]()
        for (repeats, kernel, stride, expansion, input, output) in stages {
            for r in 0..<repeats {
                out.append(MBConvSpec(index: out.count, kernel: kernel, stride: r == 0 ? stride : 1, expansion: expansion,
                                      inputChannels: r == 0 ? input : output, outputChannels: output))
            }
        }
        return out
    }()
}

/// TensorFlow's "same" padding: the output has `ceil(input / stride)` pixels, and the padding
/// needed for that is split with the odd pixel after.
enum SamePadding {
    /// Output size along one axis.
    static func outputSize(_ input: Int, stride: Int) -> Int { (input + stride - 1) / stride }

    /// Padding before the first pixel along one axis.
    static func before(_ input: Int, kernel: Int, stride: Int) -> Int {
        let total = max((outputSize(input, stride: stride) - 1) * stride + kernel - input, 0)
        return total / 2
    }
}
