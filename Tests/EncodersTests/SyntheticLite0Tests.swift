import NumCore
import Testing
@testable import Encoders

/// The whole network with random weights (PyTorch names and layouts) on a small input, against
/// the naive composition of the layers: checks the wiring (names, block order, strides,
/// residuals, head, pooling) without the real weights.
@Suite struct SyntheticLite0Tests {
    /// Random tensors for every name the network reads, in PyTorch shapes.
    static func randomStateDict(seed: UInt64) -> [String: [Float]] {
        var rng = RandomSource(seed: seed)
        var sd = [String: [Float]]()
        func conv(_ name: String, out: Int, perOut: Int, fanIn: Int) {
            sd[name + ".weight"] = Naive.random(out * perOut, &rng, scale: 1.6 / Float(fanIn).squareRoot())
        }
        func bn(_ name: String, _ n: Int) {
            let p = Naive.BN.random(n, &rng)
            sd[name + ".weight"] = p.gamma; sd[name + ".bias"] = p.beta
            sd[name + ".running_mean"] = p.mean; sd[name + ".running_var"] = p.variance
        }
        conv("_conv_stem", out: 32, perOut: 27, fanIn: 27); bn("_bn0", 32)
        for s in Lite0Architecture.blocks {
            let p = "_blocks.\(s.index).", e = s.expandedChannels
            if s.expansion != 1 { conv(p + "_expand_conv", out: e, perOut: s.inputChannels, fanIn: s.inputChannels); bn(p + "_bn0", e) }
            conv(p + "_depthwise_conv", out: e, perOut: s.kernel * s.kernel, fanIn: s.kernel * s.kernel); bn(p + "_bn1", e)
            conv(p + "_project_conv", out: s.outputChannels, perOut: e, fanIn: e); bn(p + "_bn2", s.outputChannels)
        }
        conv("_conv_head", out: 1280, perOut: 320, fanIn: 320); bn("_bn1", 1280)
        return sd
    }

    static func naiveFeatures(_ sd: [String: [Float]], _ x: Naive.Image) -> [Double] {
        func bn(_ name: String) -> Naive.BN {
            Naive.BN(gamma: sd[name + ".weight"]!, beta: sd[name + ".bias"]!, mean: sd[name + ".running_mean"]!, variance: sd[name + ".running_var"]!)
        }
        var h = Naive.relu6(Naive.batchNorm(Naive.conv(x, weights: sd["_conv_stem.weight"]!, outChannels: 32, kernel: 3, stride: 2), bn("_bn0")))
        for s in Lite0Architecture.blocks {
            let p = "_blocks.\(s.index).", e = s.expandedChannels
            var y = h
            if s.expansion != 1 {
                y = Naive.relu6(Naive.batchNorm(Naive.conv(y, weights: sd[p + "_expand_conv.weight"]!, outChannels: e, kernel: 1, stride: 1), bn(p + "_bn0")))
            }
            y = Naive.relu6(Naive.batchNorm(Naive.conv(y, weights: sd[p + "_depthwise_conv.weight"]!, outChannels: e, kernel: s.kernel,
                                                       stride: s.stride, groups: e), bn(p + "_bn1")))
            y = Naive.batchNorm(Naive.conv(y, weights: sd[p + "_project_conv.weight"]!, outChannels: s.outputChannels, kernel: 1, stride: 1), bn(p + "_bn2"))
            h = s.hasResidual ? Naive.add(y, h) : y
        }
        h = Naive.relu6(Naive.batchNorm(Naive.conv(h, weights: sd["_conv_head.weight"]!, outChannels: 1280, kernel: 1, stride: 1), bn("_bn1")))
        return Naive.meanPool(h)
    }

    @Test func wholeNetworkMatchesNaive() throws {
        let sd = Self.randomStateDict(seed: 11)
        let model = try EfficientNetLite0(tensors: Lite0TensorSource(fileName: "random") { sd[$0] ?? [] })
        var rng = RandomSource(seed: 12)
        let x = Naive.image(height: 40, width: 27, channels: 3, &rng)
        let reference = Self.naiveFeatures(sd, x)
        let ws = Lite0Workspace(height: 40, width: 27)
        var out = [Float](repeating: .nan, count: 1280)
        x.floats.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { model.features(input.baseAddress!, height: 40, width: 27, workspace: ws, into: $0.baseAddress!) }
        }
        // Random weights amplify rounding through 16 blocks (errors ~1e-3 on values up to 6), so
        // the bar is on the direction; a wiring mistake (padding side, residual, stride, order)
        // moves the cosine far below it.
        let cosine = Lite0Fixture.cosine(out, reference.map(Float.init))
        #expect(cosine >= 0.999_999, "cosine \(cosine)")
        #expect(Naive.maxError(out, reference) < 2e-2)
        // The check means something: features are spread out, not all clipped.
        #expect(reference.filter { $0 > 1e-3 && $0 < 5.999 }.count > 100)
    }

    @Test func missingOrMisshapenTensorsAreNamed() throws {
        var sd = Self.randomStateDict(seed: 5)
        sd["_blocks.7._bn1.running_var"] = nil
        let missing = try #require(throws: EncoderError.self) {
            try EfficientNetLite0(tensors: Lite0TensorSource(fileName: "w.pth") { name in
                guard let v = sd[name] else { throw TorchPickleError(file: "w.pth", offset: 0, problem: "no tensor named '\(name)'") }
                return v
            })
        }
        #expect(missing.file == "w.pth" && missing.item == "_blocks.7._bn1.running_var")
        sd = Self.randomStateDict(seed: 5)
        sd["_conv_head.weight"] = [1, 2, 3]
        let wrong = try #require(throws: EncoderError.self) { try EfficientNetLite0(tensors: Lite0TensorSource(fileName: "w.pth") { sd[$0]! }) }
        #expect(wrong.description == "w.pth: '_conv_head.weight': has 3 values, expected [1280, 320, 1, 1] = 409600")
    }
}
