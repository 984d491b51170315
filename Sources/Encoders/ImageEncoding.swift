import Foundation
import NumCore

/// An image the encoder could not encode, and why.
public struct ImageFailure: Sendable, Equatable, CustomStringConvertible {
    /// Position of the image in the list given to the encoder (its row in the features).
    public let index: Int
    /// The image file.
    public let file: URL
    /// What went wrong (names the file).
    public let reason: String

    /// `"<file name>: <reason>"`.
    public var description: String { reason }
}

/// The result of encoding a list of images: one row of features per image, zero for images
/// that failed, and the failures.
public struct ImageEncoding: @unchecked Sendable {
    /// `images x 1280`; the rows of failed images are zero.
    public let features: Matrix
    /// The images that could not be encoded, in order.
    public let failures: [ImageFailure]

    /// True for rows that hold features.
    public var encoded: [Bool] {
        var ok = [Bool](repeating: true, count: features.rows)
        for f in failures { ok[f.index] = false }
        return ok
    }

    /// Number of images encoded.
    public var encodedCount: Int { features.rows - failures.count }
}

/// Thrown by ``ImageEncoder/encode(files:)`` when some images failed: every failure, and the
/// features of the others (rows of failed images zero) for callers that can use them.
public struct ImageEncodingError: Error, CustomStringConvertible, @unchecked Sendable {
    /// What was encoded, failures included.
    public let result: ImageEncoding

    /// How many images failed, then one line per failure (the first 20).
    public var description: String {
        let f = result.failures
        let lines = f.prefix(20).map { "  \($0.reason)" }.joined(separator: "\n")
        return "\(f.count) of \(result.features.rows) images could not be encoded:\n" + lines
            + (f.count > 20 ? "\n  ... and \(f.count - 20) more" : "")
    }
}
