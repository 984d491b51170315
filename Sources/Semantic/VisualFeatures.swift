import Foundation
import Alignment
import NumCore
import Datasets
import Encoders

/// The visual modality: each item's image (``ItemImages``) through EfficientNet-Lite0
/// (``Encoders/ImageEncoder``), 1280-d pooled features, L2-normalised per item.
///
/// Items without an image, and items whose image cannot be decoded, are missing the modality
/// (zero row, `present` false), as items without a text are for the text modality; both are
/// counted in the modality's report. Features are cached per image (``ImageFeatureCache``,
/// under `<cache>/features/` by default), so a second run over the same images only reads
/// them; the cached features are the encoder's raw output.
///
/// ```swift
/// let visual = try VisualFeatures.build(items: dataset.items, spec: URL(fileURLWithPath: "posters"))
/// ```
public enum VisualFeatures {
    /// Where the weights and the cache are, and how many images go to the encoder at a time.
    public struct Options: Sendable {
        /// The EfficientNet-Lite0 weights (a folder or file); default: the fetched cache copy.
        public var weights: URL? = nil
        /// Folder of feature caches; default `<esans cache>/features`.
        public var cacheDirectory: URL? = nil
        /// Images per call to the encoder (progress is reported between calls); 0 picks
        /// eight per worker thread.
        public var chunkSize = 0
        /// The defaults.
        public init() {}
    }

    /// Width of the features.
    public static var dimension: Int { ImageEncoder.dimension }

    /// The weights to use: `weights`, else the fetched copy.
    /// - Throws: ``SemanticError`` saying to run `esans data fetch efficientnet-lite0` when there is none.
    public static func weights(_ weights: URL? = nil) throws -> URL {
        if let weights { return weights }
        guard let dir = DataFetcher.locate(.efficientnetLite0) else {
            throw SemanticError(file: FetchTarget.efficientnetLite0.rawValue,
                                problem: "the visual modality needs the EfficientNet-Lite0 weights, not in the cache \(DataFetcher.cacheDirectory().path): run `esans data fetch efficientnet-lite0`")
        }
        return dir
    }

    /// Checks what encoding needs before any work: the weights and libjpeg.
    /// - Throws: ``SemanticError`` naming the missing piece.
    public static func requireAvailable(weights: URL? = nil) throws {
        _ = try Self.weights(weights)
        if let why = JPEGDecoder.unavailableReason {
            throw SemanticError(file: "libjpeg", problem: "the visual modality needs JPEG decoding: \(why)")
        }
    }

    /// The visual modality of `items` from the image SPEC `spec` (see ``ItemImages``).
    /// `progress(done, total)` is called as images are encoded (not for cached ones).
    /// - Throws: ``SemanticError`` (SPEC, table, missing weights or libjpeg),
    ///   ``Encoders/EncoderError`` (weights that fail to load).
    public static func build(items: IDMap, spec: URL, options: Options = Options(),
                             progress: (Int, Int) -> Void = { _, _ in }) throws -> ModalityMatrix {
        let images = try ItemImages.resolve(spec: spec, items: items)
        let weightsURL = try weights(options.weights)
        let cache = ImageFeatureCache(directory: options.cacheDirectory ?? DataFetcher.cacheDirectory().appendingPathComponent("features", isDirectory: true),
                                      encoderKey: try encoderKey(weights: weightsURL), collection: spec, dimension: dimension)
        return try modality(images: images, cache: cache) { files in
            try requireAvailable(weights: weightsURL)
            let encoder = try ImageEncoder(weights: weightsURL)
            let chunk = options.chunkSize > 0 ? options.chunkSize : 8 * WorkerPool.shared.threadCount
            let out = Matrix(rows: files.count, cols: dimension)
            var failures: [(index: Int, reason: String)] = []
            progress(0, files.count)
            var start = 0
            while start < files.count {
                let end = min(files.count, start + chunk)
                let part = try encoder.encodeReportingFailures(files: Array(files[start..<end]))
                (out.data + start * dimension).update(from: part.features.data, count: (end - start) * dimension)
                failures += part.failures.map { (start + $0.index, $0.reason) }
                start = end
                progress(end, files.count)
            }
            return (out, failures)
        }
    }

    /// The modality from `images` and an encoder: features from `cache` where it has them
    /// (or all from `encode` without a cache), rows of items without an image or whose image
    /// failed left absent, present rows L2-normalised.
    /// - Throws: what `encode` throws.
    public static func modality(images: ItemImages, cache: ImageFeatureCache?,
                                encode: ([URL]) throws -> (features: Matrix, failures: [(index: Int, reason: String)])) throws -> ModalityMatrix {
        let withImage = images.files.indices.filter { images.files[$0] != nil }
        let files = withImage.map { images.files[$0]! }
        let lookup: ImageFeatureCache.Lookup
        if let cache {
            lookup = try cache.features(for: files, encode: encode)
        } else {
            let t0 = Date()
            var m = Matrix(rows: 0, cols: dimension)
            var f: [(index: Int, reason: String)] = []
            if !files.isEmpty { (m, f) = try encode(files) }
            lookup = ImageFeatureCache.Lookup(features: m, failures: f, cached: 0, encoded: files.count - f.count,
                                              encodeSeconds: Date().timeIntervalSince(t0), notes: [])
        }
        let dim = lookup.features.cols
        let vectors = Matrix(rows: images.files.count, cols: dim)
        var present = [Bool](repeating: false, count: images.files.count)
        let failed = Set(lookup.failures.map(\.index))
        for (r, i) in withImage.enumerated() where !failed.contains(r) {
            vectors.row(i).update(from: lookup.features.row(r), count: dim)
            present[i] = true
        }
        var report = images.report
        report.append(String(format: "%d images: %d read from the feature cache, %d encoded with EfficientNet-Lite0 (%.1f s), %d failed",
                             files.count, lookup.cached, lookup.encoded, lookup.encodeSeconds, lookup.failures.count))
        report += lookup.failures.prefix(5).map { "image failed, its item has no visual features: \($0.reason)" }
        report += lookup.notes
        return ModalityMatrix(name: "visual", vectors: vectors, present: present, report: report).l2Normalized()
    }

    /// `efficientnet-lite0-<first 16 hex digits of the weights file's SHA-256>-r<resize>c<crop>`.
    /// - Throws: ``SemanticError`` when the weights file cannot be found or read.
    public static func encoderKey(weights: URL) throws -> String {
        let file = try weightsFile(weights)
        let hex: String
        do { hex = try SHA256.hex(ofFile: file.path) } catch {
            throw SemanticError(file: file.path, problem: "cannot read the weights: \(error)")
        }
        let p = ImagePreprocessing()
        return "efficientnet-lite0-\(hex.prefix(16))-r\(p.resizeShorterSide)c\(p.cropSize)"
    }

    /// The weights file of `url`: the file itself, or a folder's one `.pth` (else its one `.safetensors`).
    static func weightsFile(_ url: URL) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SemanticError(file: url.path, problem: "no such weights file or folder; run `esans data fetch efficientnet-lite0`")
        }
        guard isDirectory.boolValue else { return url }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        let pth = names.filter { $0.hasSuffix(".pth") }, st = names.filter { $0.hasSuffix(".safetensors") }
        if pth.count == 1 { return url.appendingPathComponent(pth[0]) }
        if pth.isEmpty && st.count == 1 { return url.appendingPathComponent(st[0]) }
        throw SemanticError(file: url.path, problem: "expected one .pth (or one .safetensors) weights file, found \(pth.count) .pth and \(st.count) .safetensors")
    }
}
