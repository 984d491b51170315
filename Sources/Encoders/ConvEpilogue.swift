/// What follows a convolution's GEMM: the folded-BatchNorm bias, then ReLU6, or the bias and
/// a residual input. Rows are pixels and columns channels (HWC); the loops are plain scalar
/// code over contiguous rows, which the compiler vectorises (max/min as compare-and-select).
enum ConvEpilogue {
    /// `out = min(max(out + bias, 0), 6)` over `rows x cols` (row stride `cols`).
    static func biasReLU6(_ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = out + r * cols
            for c in 0..<cols {
                var v = row[c] + bias[c]
                v = v > 0 ? v : 0
                v = v < 6 ? v : 6
                row[c] = v
            }
        }
    }

    /// `out = out + bias (+ residual)` over `rows x cols`.
    static func bias(_ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>,
                     residual: UnsafePointer<Float>?) {
        if let residual {
            for r in 0..<rows {
                let row = out + r * cols, res = residual + r * cols
                for c in 0..<cols { row[c] = row[c] + bias[c] + res[c] }
            }
        } else {
            for r in 0..<rows {
                let row = out + r * cols
                for c in 0..<cols { row[c] = row[c] + bias[c] }
            }
        }
    }

    /// `min(max(x, 0), 6)`.
    @inline(__always) static func relu6(_ x: Float) -> Float {
        let v = x > 0 ? x : 0
        return v < 6 ? v : 6
    }
}
