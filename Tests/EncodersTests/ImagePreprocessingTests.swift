import Testing
@testable import Encoders

/// The resize / crop / normalise steps against PyTorch's antialiased bilinear resize
/// (``Lite0ReferenceData/resized16``) and the torchvision size and crop rules.
@Suite struct PreprocessingTests {
    @Test func resizeMatchesPyTorchAntialiasedBilinear() {
        let image = Lite0Fixture.pattern(height: 30, width: 44)
        let (h, w) = ImagePreprocessing.resizedSize(height: 30, width: 44, shorterSide: 16)
        #expect(h == 16 && w == 23)
        var out = [Float](repeating: .nan, count: h * w * 3)
        out.withUnsafeMutableBufferPointer {
            ImagePreprocessing.resample(image, height: h, width: w, rows: 0..<h, cols: 0..<w, into: $0.baseAddress!)
        }
        let reference = Lite0ReferenceData.resized16
        #expect(reference.count == out.count)
        let err = zip(out, reference).map { abs($0 - $1) }.max()!
        #expect(err < 2e-3, "max difference \(err) on 0...255")
        // A crop window gives the same values as the full resize.
        var window = [Float](repeating: .nan, count: 5 * 7 * 3)
        window.withUnsafeMutableBufferPointer {
            ImagePreprocessing.resample(image, height: h, width: w, rows: 3..<8, cols: 10..<17, into: $0.baseAddress!)
        }
        for r in 0..<5 { for c in 0..<7 { for k in 0..<3 { #expect(window[(r * 7 + c) * 3 + k] == out[((r + 3) * w + c + 10) * 3 + k]) } } }
    }

    @Test func sizesAndCropFollowTorchvision() {
        // Longer side truncated: 256 * 450 / 300 = 384; 256 * 301 / 211 = 365.2 -> 365.
        #expect(ImagePreprocessing.resizedSize(height: 450, width: 300, shorterSide: 256) == (384, 256))
        #expect(ImagePreprocessing.resizedSize(height: 211, width: 301, shorterSide: 256) == (256, 365))
        // Upscaling too: a 32 x 40 image becomes 256 x 320.
        #expect(ImagePreprocessing.resizedSize(height: 32, width: 40, shorterSide: 256) == (256, 320))
    }

    @Test func normalisesWithTheLiteMeanAndStd() {
        let p = ImagePreprocessing()
        #expect(p.resizeShorterSide == 256 && p.cropSize == 224 && p.mean == [127, 127, 127] && p.std == [128, 128, 128])
        // A flat image stays flat through the resize: every output is (v - 127) / 128.
        let flat = RGBImage(width: 300, height: 451) { _, _, c in [255, 127, 0][c] }
        let out = p.apply(flat)
        #expect(out.count == 224 * 224 * 3)
        let expected: [Float] = [1, 0, -127.0 / 128]
        for i in stride(from: 0, to: out.count, by: 997) { #expect(abs(out[i] - expected[i % 3]) < 1e-5, "\(i)") }
    }

    @Test func cropIsCentred() {
        // 256 x 259 after resize: (259 - 224) / 2 = 17.5 rounds half to even -> 18.
        let p = ImagePreprocessing(resizeShorterSide: 256, cropSize: 224)
        let img = RGBImage(width: 259, height: 256) { _, x, _ in UInt8(x % 256) }
        let out = p.apply(img)
        // Column 0 of the crop is input column 18 (no resampling: sizes equal).
        #expect(out[0] == Float(18 - 127) / 128)
        #expect(out[223 * 3] == Float(241 - 127) / 128)
    }
}
