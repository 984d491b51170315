import Foundation
import NumCore

/// Times ``ImageEncoder`` on the JPEG files of a folder (`esans bench images`).
public enum ImageEncoderBenchmark {
    /// What one run measured.
    public struct Result: Sendable {
        /// JPEG files found (after the limit).
        public let images: Int
        /// Images encoded.
        public let encoded: Int
        /// The images that failed.
        public let failures: [ImageFailure]
        /// Seconds to load the weights.
        public let loadSeconds: Double
        /// Seconds to decode, preprocess and encode every image.
        public let seconds: Double
        /// Seconds of decoding and preprocessing alone, on one thread, for the first images.
        public let decodeSample: (images: Int, seconds: Double)
        /// Threads used.
        public let threads: Int
    }

    /// The `*.jpg` / `*.jpeg` files of `directory`, sorted by name, at most `limit`.
    public static func jpegFiles(in directory: URL, limit: Int? = nil) throws -> [URL] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw EncoderError(file: directory.lastPathComponent, problem: "cannot list folder \(directory.path): \(FileErrorReason.text(error))")
        }
        let jpegs = names.filter { ["jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        return jpegs.prefix(limit ?? jpegs.count).map { directory.appendingPathComponent($0) }
    }

    /// Loads the weights and encodes the JPEGs of `directory`.
    /// - Throws: ``EncoderError`` (no images, no libjpeg) and the weight-loading errors of ``ImageEncoder``.
    public static func run(weights: URL, directory: URL, limit: Int? = nil) throws -> Result {
        let files = try jpegFiles(in: directory, limit: limit)
        guard !files.isEmpty else { throw EncoderError(file: directory.lastPathComponent, problem: "no .jpg or .jpeg files in \(directory.path)") }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let encoder = try ImageEncoder(weights: weights)
        let t1 = DispatchTime.now().uptimeNanoseconds
        let result = try encoder.encodeReportingFailures(files: files)
        let t2 = DispatchTime.now().uptimeNanoseconds
        // Decoding and preprocessing alone, single-threaded, on a sample.
        let sample = Array(files.prefix(64))
        var buffer = [Float](repeating: 0, count: encoder.preprocessing.cropSize * encoder.preprocessing.cropSize * 3)
        let t3 = DispatchTime.now().uptimeNanoseconds
        for f in sample {
            if let image = try? JPEGDecoder.decode(file: f) {
                buffer.withUnsafeMutableBufferPointer { encoder.preprocessing.apply(image, into: $0.baseAddress!) }
            }
        }
        let t4 = DispatchTime.now().uptimeNanoseconds
        return Result(images: files.count, encoded: result.encodedCount, failures: result.failures,
                      loadSeconds: Double(t1 - t0) / 1e9, seconds: Double(t2 - t1) / 1e9,
                      decodeSample: (sample.count, Double(t4 - t3) / 1e9), threads: WorkerPool.shared.threadCount)
    }

    /// A printable report of `r`.
    public static func report(_ r: Result, directory: URL) -> String {
        var lines = [
            String(format: "%d images in %@: %d encoded, %d failed", r.images, directory.path, r.encoded, r.failures.count),
            String(format: "weights loaded in %.2f s", r.loadSeconds),
            String(format: "encoded in %.2f s: %.1f images/s, %.1f ms per image on %d threads", r.seconds,
                   Double(r.images) / r.seconds, 1000 * r.seconds / Double(r.images), r.threads),
            String(format: "decode + preprocess alone: %.2f ms per image (1 thread, %d images)",
                   1000 * r.decodeSample.seconds / Double(max(1, r.decodeSample.images)), r.decodeSample.images),
        ]
        for f in r.failures.prefix(10) { lines.append("  failed: \(f.reason)") }
        if r.failures.count > 10 { lines.append("  ... and \(r.failures.count - 10) more") }
        lines.append("reference fixture: python3 scripts/efficientnet_lite0_reference.py (needs torch, numpy, pillow and the fetched .pth)")
        return lines.joined(separator: "\n")
    }
}
