/// A convolution followed by an inference-mode BatchNorm, folded into one convolution with a
/// bias:
///
///     s[o] = gamma[o] / sqrt(runningVar[o] + eps)
///     W'[o, ...] = W[o, ...] * s[o]
///     b'[o] = beta[o] - runningMean[o] * s[o]
///
/// so that `BN(conv(x, W)) = conv(x, W') + b'`. The scale is computed in `Double`.
struct FoldedConv: Sendable {
    /// Folded weights in PyTorch layout: `outChannels` blocks of `weights.count / outChannels`.
    let weights: [Float]
    /// Folded bias, one per output channel.
    let bias: [Float]

    /// Folds BatchNorm parameters (each `outChannels` long) into `weights` (PyTorch layout,
    /// output channel first).
    /// - Precondition: `weights.count` is a multiple of `outChannels`; every parameter has
    ///   `outChannels` entries.
    init(weights: [Float], outChannels: Int, gamma: [Float], beta: [Float], runningMean: [Float],
         runningVar: [Float], epsilon: Double) {
        precondition(outChannels > 0 && weights.count % outChannels == 0, "weights do not split into \(outChannels) channels")
        precondition([gamma, beta, runningMean, runningVar].allSatisfy { $0.count == outChannels }, "BatchNorm parameter lengths differ")
        let per = weights.count / outChannels
        var w = weights
        var b = [Float](repeating: 0, count: outChannels)
        for o in 0..<outChannels {
            let s = Double(gamma[o]) / (Double(runningVar[o]) + epsilon).squareRoot()
            for i in 0..<per { w[o * per + i] = Float(Double(weights[o * per + i]) * s) }
            b[o] = Float(Double(beta[o]) - Double(runningMean[o]) * s)
        }
        self.weights = w
        self.bias = b
    }
}
