import NumCore
import Testing
@testable import Encoders

/// Each layer of the encoder against ``Naive`` (Double precision, from the definitions).
@Suite struct LayerTests {
    @Test func batchNormFoldingEqualsConvThenBatchNorm() {
        var rng = RandomSource(seed: 1)
        let x = Naive.image(height: 6, width: 5, channels: 4, &rng)
        let w = Naive.random(7 * 4 * 3 * 3, &rng)
        let bn = Naive.BN.random(7, &rng)
        let reference = Naive.batchNorm(Naive.conv(x, weights: w, outChannels: 7, kernel: 3, stride: 1), bn)
        let folded = bn.folded(w)
        var viaFolding = Naive.conv(x, weights: folded.weights, outChannels: 7, kernel: 3, stride: 1)
        for i in viaFolding.values.indices { viaFolding.values[i] += Double(folded.bias[i % 7]) }
        #expect(Naive.maxError(viaFolding.values.map(Float.init), reference.values) < 1e-4)
        // Folding changes the weights (this is not a no-op).
        #expect(Naive.maxError(w, folded.weights.map(Double.init)) > 0.01)
    }

    @Test func samePaddingPutsTheOddPixelAfter() {
        #expect(SamePadding.outputSize(224, stride: 2) == 112 && SamePadding.before(224, kernel: 3, stride: 2) == 0)
        #expect(SamePadding.before(112, kernel: 5, stride: 2) == 1)   // total 3: 1 before, 2 after
        #expect(SamePadding.before(7, kernel: 5, stride: 1) == 2)
        #expect(SamePadding.outputSize(7, stride: 2) == 4 && SamePadding.before(7, kernel: 3, stride: 2) == 1)
    }

    @Test(arguments: [(12, 10), (13, 9), (1, 1)])
    func stemMatchesNaive(height: Int, width: Int) {
        var rng = RandomSource(seed: UInt64(height * 100 + width))
        let x = Naive.image(height: height, width: width, channels: 3, &rng)
        let w = Naive.random(5 * 27, &rng), bn = Naive.BN.random(5, &rng)
        let reference = Naive.relu6(Naive.batchNorm(Naive.conv(x, weights: w, outChannels: 5, kernel: 3, stride: 2), bn))
        let stem = StemConv(folded: bn.folded(w), outChannels: 5)
        let (oh, ow) = stem.outputSize(height: height, width: width)
        #expect(oh == reference.height && ow == reference.width)
        let patches = Matrix(rows: oh * ow, cols: 27), out = Matrix(rows: oh * ow, cols: 5)
        x.floats.withUnsafeBufferPointer { stem.forward($0.baseAddress!, height: height, width: width, patches: patches.data, into: out.data) }
        #expect(Naive.maxError(out.data, reference.values) < 1e-4)
    }

    @Test(arguments: [(24, 3, 1, 7, 9), (24, 3, 2, 8, 8), (21, 5, 2, 9, 7), (40, 5, 1, 5, 6), (16, 5, 2, 2, 3)])
    func depthwiseMatchesNaive(channels: Int, kernel: Int, stride: Int, height: Int, width: Int) {
        var rng = RandomSource(seed: UInt64(channels * 1000 + kernel * 100 + stride))
        let x = Naive.image(height: height, width: width, channels: channels, &rng)
        let w = Naive.random(channels * kernel * kernel, &rng, scale: 0.5), bn = Naive.BN.random(channels, &rng)
        let reference = Naive.relu6(Naive.batchNorm(
            Naive.conv(x, weights: w, outChannels: channels, kernel: kernel, stride: stride, groups: channels), bn))
        let layer = DepthwiseConv(folded: bn.folded(w), channels: channels, kernel: kernel, stride: stride)
        let (oh, ow) = layer.outputSize(height: height, width: width)
        #expect(oh == reference.height && ow == reference.width)
        let out = Matrix(rows: oh * ow, cols: channels)
        x.floats.withUnsafeBufferPointer { layer.forward($0.baseAddress!, height: height, width: width, into: out.data) }
        #expect(Naive.maxError(out.data, reference.values) < 1e-4)
        // ReLU6 is active: some outputs are clipped at 0 and, with these scales, at 6.
        #expect(reference.values.contains(0))
    }

    @Test(arguments: [false, true])
    func pointwiseMatchesNaive(residual: Bool) {
        var rng = RandomSource(seed: residual ? 7 : 8)
        let x = Naive.image(height: 7, width: 5, channels: 20, &rng)
        let outChannels = residual ? 20 : 12
        let w = Naive.random(outChannels * 20, &rng, scale: 0.4), bn = Naive.BN.random(outChannels, &rng)
        let conv = Naive.batchNorm(Naive.conv(x, weights: w, outChannels: outChannels, kernel: 1, stride: 1), bn)
        let reference = residual ? Naive.add(conv, x) : Naive.relu6(conv)
        let layer = PointwiseConv(folded: bn.folded(w), inChannels: 20, outChannels: outChannels)
        let out = Matrix(rows: 35, cols: outChannels)
        let input = x.floats
        input.withUnsafeBufferPointer {
            layer.forward($0.baseAddress!, pixels: 35, into: out.data, relu6: !residual, residual: residual ? $0.baseAddress! : nil)
        }
        #expect(Naive.maxError(out.data, reference.values) < 1e-4)
    }

    /// A block from its spec, random weights, against the naive composition.
    @Test(arguments: [(6, 3, 1, 8, 8), (6, 5, 2, 8, 16), (1, 3, 1, 16, 8), (6, 3, 1, 16, 24)])
    func mbConvBlockMatchesNaive(expansion: Int, kernel: Int, stride: Int, input: Int, output: Int) {
        let spec = MBConvSpec(index: 0, kernel: kernel, stride: stride, expansion: expansion, inputChannels: input, outputChannels: output)
        var rng = RandomSource(seed: UInt64(expansion * 7 + kernel * 5 + stride * 3 + input + output))
        let x = Naive.image(height: 9, width: 6, channels: input, &rng)
        let e = spec.expandedChannels
        let we = Naive.random(e * input, &rng, scale: 0.4), bne = Naive.BN.random(e, &rng)
        let wd = Naive.random(e * kernel * kernel, &rng, scale: 0.4), bnd = Naive.BN.random(e, &rng)
        let wp = Naive.random(output * e, &rng, scale: 0.3), bnp = Naive.BN.random(output, &rng)

        var h = x
        if expansion != 1 { h = Naive.relu6(Naive.batchNorm(Naive.conv(x, weights: we, outChannels: e, kernel: 1, stride: 1), bne)) }
        h = Naive.relu6(Naive.batchNorm(Naive.conv(h, weights: wd, outChannels: e, kernel: kernel, stride: stride, groups: e), bnd))
        h = Naive.batchNorm(Naive.conv(h, weights: wp, outChannels: output, kernel: 1, stride: 1), bnp)
        if spec.hasResidual { h = Naive.add(h, x) }
        #expect(spec.hasResidual == (stride == 1 && input == output))

        let block = MBConvBlock(
            spec: spec,
            expand: expansion == 1 ? nil : PointwiseConv(folded: bne.folded(we), inChannels: input, outChannels: e),
            depthwise: DepthwiseConv(folded: bnd.folded(wd), channels: e, kernel: kernel, stride: stride),
            project: PointwiseConv(folded: bnp.folded(wp), inChannels: e, outChannels: output))
        let expanded = Matrix(rows: 9 * 6, cols: e), dw = Matrix(rows: 9 * 6, cols: e), out = Matrix(rows: 9 * 6, cols: output)
        let size = x.floats.withUnsafeBufferPointer {
            block.forward($0.baseAddress!, height: 9, width: 6, expanded: expanded.data, depthwiseOut: dw.data, into: out.data)
        }
        #expect(size.height == h.height && size.width == h.width)
        #expect(Naive.maxError(out.data, h.values) < 1e-4)
    }

    @Test func globalAveragePoolMatchesNaive() {
        var rng = RandomSource(seed: 3)
        let x = Naive.image(height: 3, width: 5, channels: 11, &rng)
        var out = [Float](repeating: .nan, count: 11)
        x.floats.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { GlobalAveragePool.forward(input.baseAddress!, pixels: 15, channels: 11, into: $0.baseAddress!) }
        }
        #expect(Naive.maxError(out, Naive.meanPool(x)) < 1e-5)
    }
}
