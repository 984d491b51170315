import CJPEG
import Foundation
import NumCore

/// JPEG decoding through the system libjpeg (libjpeg-turbo), which the `CJPEG` shim loads at
/// run time. esans builds without libjpeg; then ``isAvailable`` is false and every decode
/// throws an ``EncoderError`` that says to install `libjpeg62-turbo-dev`.
///
/// Decoding follows libjpeg's defaults (the ones Pillow uses too): the accurate integer IDCT
/// and "fancy" (smooth) chroma upsampling. Grayscale images are expanded to RGB and CMYK ones
/// converted; a truncated file is an error, not a half-grey image.
public enum JPEGDecoder {
    /// Pixels above which an image is refused before decoding (50 M, e.g. 7071 x 7071).
    public static let defaultMaxPixels = 50_000_000

    /// Why JPEG decoding is unavailable, or nil when it works.
    public static var unavailableReason: String? {
        var message = [CChar](repeating: 0, count: 512)
        let status = esans_jpeg_available(&message, message.count)
        return status == Int32(ESANS_JPEG_OK.rawValue) ? nil : Self.string(message)
    }

    /// True when libjpeg was found (headers at build time, library at run time).
    public static var isAvailable: Bool { unavailableReason == nil }

    /// Decodes the JPEG file at `url`.
    /// - Throws: ``EncoderError`` naming the file: unreadable, not a JPEG, corrupt, truncated,
    ///   larger than `maxPixels`, or decoding unavailable.
    public static func decode(file url: URL, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EncoderError(file: url.lastPathComponent, problem: "cannot read file: \(FileErrorReason.text(error))")
        }
        return try decode(data: data, name: url.lastPathComponent, maxPixels: maxPixels)
    }

    /// Decodes JPEG bytes; `name` names them in errors.
    /// - Throws: ``EncoderError``, as ``decode(file:maxPixels:)``.
    public static func decode(data: Data, name: String, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        var message = [CChar](repeating: 0, count: 512)
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var width: Int32 = 0, height: Int32 = 0
        let status = data.withUnsafeBytes { raw -> Int32 in
            // An empty buffer has no base address; the shim checks the size before reading.
            esans_jpeg_decode_rgb(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, max(0, maxPixels),
                                  &pixels, &width, &height, &message, message.count)
        }
        defer { esans_jpeg_free(pixels) }
        guard status == Int32(ESANS_JPEG_OK.rawValue), let pixels, width > 0, height > 0 else {
            let why = Self.string(message)
            throw EncoderError(file: name, problem: status == Int32(ESANS_JPEG_UNAVAILABLE.rawValue)
                               ? why : "cannot decode JPEG: \(why.isEmpty ? "unknown error" : why)")
        }
        let count = Int(width) * Int(height) * 3
        return RGBImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    private static func string(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
