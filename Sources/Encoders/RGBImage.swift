/// An 8-bit RGB image, row-major, three bytes per pixel (`R, G, B`).
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height * 3` bytes, row by row.
    public let pixels: [UInt8]

    /// An image over `pixels`.
    /// - Precondition: `pixels.count == width * height * 3` and both sizes are positive.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "RGBImage \(width) x \(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image whose pixel `(x, y)` channel `c` is `value(y, x, c)`.
    public init(width: Int, height: Int, value: (Int, Int, Int) -> UInt8) {
        var p = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 { p[(y * width + x) * 3 + c] = value(y, x, c) }
            }
        }
        self.init(width: width, height: height, pixels: p)
    }
}
