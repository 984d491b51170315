import Datasets
import Foundation
import NumCore
import Testing
import TestSupport
@testable import Encoders

/// Shared by the tests that need the real weights or the generated pattern.
enum Lite0Fixture {
    static let weights = DataFetcher.locate(.efficientnetLite0)
    static let weightsAvailable = weights != nil
    static let skipMessage: Comment = "EfficientNet-Lite0 weights not cached: run `esans data fetch efficientnet-lite0`"
    /// Loaded once for all tests.
    static let encoder: ImageEncoder? = weights.flatMap { try? ImageEncoder(weights: $0) }

    /// The generated test pattern of scripts/efficientnet_lite0_reference.py (`pattern_pixel`).
    static func pattern(height: Int, width: Int) -> RGBImage {
        RGBImage(width: width, height: height) { y, x, c in
            switch c {
            case 0: return UInt8((3 * x + 2 * y) % 256)
            case 1: return UInt8((((x - 112) * (x - 112) + (y - 97) * (y - 97)) / 64) % 256)
            default: return UInt8((((x / 16 + y / 16) % 2) != 0 ? 200 : 40) + (x * y) % 17)
            }
        }
    }

    /// The pattern normalised as the model expects, `(v - 127) / 128`, HWC (no resize).
    static func normalisedPattern(height: Int, width: Int) -> [Float] {
        pattern(height: height, width: width).pixels.map { (Float($0) - 127) / 128 }
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y) }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    static func features(_ encoder: ImageEncoder, height: Int, width: Int) -> [Float] {
        let input = normalisedPattern(height: height, width: width)
        var out = [Float](repeating: .nan, count: ImageEncoder.dimension)
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { encoder.features(preprocessed: i.baseAddress!, height: height, width: width, into: $0.baseAddress!, pool: WorkerPool.shared) }
        }
        return out
    }
}

/// The Swift encoder against the PyTorch reference model on the same inputs
/// (``Lite0ReferenceData``, from scripts/efficientnet_lite0_reference.py).
@Suite(.enabled(if: Lite0Fixture.weightsAvailable, Lite0Fixture.skipMessage))
struct Lite0ReferenceTests {
    static func check(_ got: [Float], _ expected: [Float], _ what: String) {
        let cosine = Lite0Fixture.cosine(got, expected)
        let maxDiff = zip(got, expected).map { abs($0 - $1) }.max()!
        print(String(format: "EfficientNet-Lite0 %@: cosine %.9f (1 - cos = %.2e), max |diff| %.2e", what, cosine, 1 - cosine, maxDiff))
        #expect(got.count == 1280 && expected.count == 1280)
        #expect(cosine >= 0.9999, "\(what): cosine \(cosine)")
        #expect(maxDiff < 1e-2, "\(what): max difference \(maxDiff)")
    }

    @Test func patternFeaturesMatchPyTorch() throws {
        let encoder = try #require(Lite0Fixture.encoder)
        Self.check(Lite0Fixture.features(encoder, height: 224, width: 224), Lite0ReferenceData.patternFeatures, "224x224 pattern")
    }

    @Test func otherInputSizesMatchPyTorch() throws {
        let encoder = try #require(Lite0Fixture.encoder)
        Self.check(Lite0Fixture.features(encoder, height: 96, width: 128), Lite0ReferenceData.smallPatternFeatures, "96x128 pattern")
    }

    @Test(.enabled(if: JPEGFixture.available, JPEGFixture.skipMessage))
    func jpegThroughTheWholePipelineMatchesPyTorch() throws {
        let encoder = try #require(Lite0Fixture.encoder)
        let image = try JPEGDecoder.decode(data: JPEGFixture.jpeg, name: "pattern.jpg")
        Self.check(encoder.encode(image: image, pool: WorkerPool.shared), Lite0ReferenceData.jpegFeatures, "synthetic JPEG, full preprocessing")
    }

    @Test(.enabled(if: JPEGFixture.available, JPEGFixture.skipMessage))
    func encodesFilesAndReportsFailures() throws {
        let encoder = try #require(Lite0Fixture.encoder)
        let dir = TempDir()
        try JPEGFixture.jpeg.write(to: dir.file("a.jpg"))
        try Data("not a jpeg".utf8).write(to: dir.file("b.jpg"))
        let files = [dir.file("a.jpg"), dir.file("b.jpg"), dir.file("missing.jpg"), dir.file("a.jpg")]
        let result = try encoder.encodeReportingFailures(files: files)
        #expect(result.features.rows == 4 && result.features.cols == 1280)
        #expect(result.failures.map(\.index) == [1, 2] && result.encodedCount == 2)
        #expect(result.failures[0].reason.hasPrefix("b.jpg: cannot decode JPEG"))
        #expect(result.failures[1].reason.hasPrefix("missing.jpg: cannot read file"))
        #expect(result.features.rowArray(1).allSatisfy { $0 == 0 })
        #expect(Lite0Fixture.cosine(result.features.rowArray(0), Lite0ReferenceData.jpegFeatures) >= 0.9999)
        #expect(result.features.rowArray(0) == result.features.rowArray(3))
        let thrown = try #require(throws: ImageEncodingError.self) { try encoder.encode(files: files) }
        #expect(thrown.description.contains("2 of 4 images could not be encoded"))
        #expect(try encoder.encode(files: [dir.file("a.jpg")]).rowArray(0) == result.features.rowArray(0))
    }
}

/// The legacy reader on the real file, and the safetensors copy the encoder caches.
@Suite(.enabled(if: Lite0Fixture.weightsAvailable, Lite0Fixture.skipMessage))
struct Lite0WeightsFileTests {
    static var pth: URL { Lite0Fixture.weights!.appendingPathComponent("efficientnet-lite0-57934424.pth") }

    @Test func readsTheRealLegacyFile() throws {
        let file = try TorchLegacyPickle.read(from: Self.pth)
        #expect(file.names.count == 296)
        #expect(file.tensors.values.reduce(0) { $0 + $1.count } == 4_694_073)
        #expect(file.tensors["_conv_stem.weight"]?.shape == [32, 3, 3, 3])
        #expect(file.tensors["_conv_stem.weight"]?.strides == [1, 32, 288, 96])
        // Values printed by torch.load for the same file.
        let stem = try file.floats("_conv_stem.weight")
        #expect(stem[0] == -1.1103360652923584 && stem[9] == -2.1162023544311523 && stem[18] == -0.38250869512557983)
        #expect(stem[31 * 27 + 26] == 2.2351741790771484e-08)
        let project = try file.floats("_blocks.15._project_conv.weight")
        #expect(project[319 * 1152 + 1151] == -0.04374096170067787)
        #expect(try file.floats("_blocks.3._depthwise_conv.weight")[143 * 25 + 4 * 5 + 3] == -0.010167449712753296)
        #expect(try file.floats("_bn1.running_var")[1279] == 11.04356861114502)
        #expect(try file.int64s("_bn0.num_batches_tracked") == [0])
    }

    @Test func theSafeTensorsCopyGivesTheSameFeatures() throws {
        let dir = TempDir()
        let copy = dir.file("w.pth")
        try FileManager.default.copyItem(at: Self.pth, to: copy)
        let fromPickle = try ImageEncoder(weights: copy)
        let converted = dir.file("w.safetensors")
        #expect(FileManager.default.fileExists(atPath: converted.path))
        let meta = try SafeTensorsFile.read(from: converted).metadata
        #expect(meta["source"] == "w.pth" && meta["source_bytes"] == "18826032")
        let fromCopy = try ImageEncoder(weights: converted)
        let fromFolder = try ImageEncoder(weights: dir.url)
        let a = Lite0Fixture.features(fromPickle, height: 64, width: 64)
        #expect(a == Lite0Fixture.features(fromCopy, height: 64, width: 64))
        #expect(a == Lite0Fixture.features(fromFolder, height: 64, width: 64))
    }

    @Test func aTruncatedWeightsFileIsAnError() throws {
        let dir = TempDir()
        let bad = dir.file("cut.pth")
        try Data(contentsOf: Self.pth).prefix(1_000_000).write(to: bad)
        let e = try #require(throws: TorchPickleError.self) { try ImageEncoder(weights: bad) }
        #expect(e.file == "cut.pth" && e.problem.contains("truncated"), "\(e)")
        let missing = try #require(throws: EncoderError.self) { try ImageEncoder(weights: dir.file("none.pth")) }
        #expect(missing.problem.contains("esans data fetch efficientnet-lite0"))
    }
}
