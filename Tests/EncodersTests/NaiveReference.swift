import NumCore
@testable import Encoders

/// Straightforward Double-precision references for the encoder's layers, written from the
/// definitions (PyTorch weight layouts, TensorFlow "same" padding), for the fast kernels to be
/// checked against.
enum Naive {
    /// A tensor in HWC layout.
    struct Image {
        var height: Int, width: Int, channels: Int
        var values: [Double]
        subscript(y: Int, x: Int, c: Int) -> Double { values[(y * width + x) * channels + c] }
        var floats: [Float] { values.map(Float.init) }
    }

    static func random(_ n: Int, _ rng: inout RandomSource, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in rng.normal() * scale }
    }

    static func image(height: Int, width: Int, channels: Int, _ rng: inout RandomSource) -> Image {
        Image(height: height, width: width, channels: channels, values: random(height * width * channels, &rng).map(Double.init))
    }

    /// Convolution with `weights` in PyTorch layout `[out, in / groups, k, k]`, stride `s`,
    /// TF "same" padding (`total = max((ceil(n / s) - 1) * s + k - n, 0)`, `total / 2` before).
    static func conv(_ x: Image, weights: [Float], outChannels: Int, kernel k: Int, stride s: Int, groups: Int = 1) -> Image {
        let oh = (x.height + s - 1) / s, ow = (x.width + s - 1) / s
        let padT = max((oh - 1) * s + k - x.height, 0) / 2, padL = max((ow - 1) * s + k - x.width, 0) / 2
        let inPerGroup = x.channels / groups, outPerGroup = outChannels / groups
        var out = [Double](repeating: 0, count: oh * ow * outChannels)
        for oy in 0..<oh {
            for ox in 0..<ow {
                for o in 0..<outChannels {
                    let g = o / outPerGroup
                    var acc = 0.0
                    for i in 0..<inPerGroup {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy * s - padT + ky, ix = ox * s - padL + kx
                                guard iy >= 0, iy < x.height, ix >= 0, ix < x.width else { continue }
                                acc += x[iy, ix, g * inPerGroup + i] * Double(weights[((o * inPerGroup + i) * k + ky) * k + kx])
                            }
                        }
                    }
                    out[(oy * ow + ox) * outChannels + o] = acc
                }
            }
        }
        return Image(height: oh, width: ow, channels: outChannels, values: out)
    }

    /// Inference BatchNorm per channel.
    static func batchNorm(_ x: Image, _ bn: BN, epsilon: Double = 1e-3) -> Image {
        var y = x
        for i in 0..<x.values.count {
            let c = i % x.channels
            y.values[i] = (x.values[i] - Double(bn.mean[c])) / (Double(bn.variance[c]) + epsilon).squareRoot()
                * Double(bn.gamma[c]) + Double(bn.beta[c])
        }
        return y
    }

    static func relu6(_ x: Image) -> Image {
        var y = x
        y.values = x.values.map { min(max($0, 0), 6) }
        return y
    }

    static func add(_ a: Image, _ b: Image) -> Image {
        var y = a
        for i in 0..<a.values.count { y.values[i] += b.values[i] }
        return y
    }

    static func meanPool(_ x: Image) -> [Double] {
        (0..<x.channels).map { c in
            var s = 0.0
            for p in 0..<(x.height * x.width) { s += x.values[p * x.channels + c] }
            return s / Double(x.height * x.width)
        }
    }

    /// BatchNorm parameters.
    struct BN {
        var gamma: [Float], beta: [Float], mean: [Float], variance: [Float]

        static func random(_ n: Int, _ rng: inout RandomSource) -> BN {
            BN(gamma: (0..<n).map { _ in 0.5 + rng.unitFloat() }, beta: Naive.random(n, &rng, scale: 0.3),
               mean: Naive.random(n, &rng, scale: 0.3), variance: (0..<n).map { _ in 0.2 + rng.unitFloat() })
        }

        func folded(_ weights: [Float]) -> FoldedConv {
            FoldedConv(weights: weights, outChannels: gamma.count, gamma: gamma, beta: beta, runningMean: mean,
                       runningVar: variance, epsilon: 1e-3)
        }
    }

    /// Largest absolute difference between `a` and the reference `b`.
    static func maxError(_ a: UnsafePointer<Float>, _ b: [Double]) -> Double {
        var e = 0.0
        for i in b.indices { e = max(e, abs(Double(a[i]) - b[i])) }
        return e
    }

    static func maxError(_ a: [Float], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { maxError($0.baseAddress!, b) }
    }
}
