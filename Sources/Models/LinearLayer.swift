import NumCore

/// A fully connected layer `Y = X W + b` with `W: in x out`.
public final class LinearLayer: @unchecked Sendable {
    /// Weights, `in x out`.
    public let weight: Parameter
    /// Bias, `1 x out`.
    public let bias: Parameter

    /// Glorot-initialised weights and a zero bias.
    public init(name: String, inputs: Int, outputs: Int, rng: inout RandomSource) {
        weight = Parameter(name: name + ".weight", rows: inputs, cols: outputs)
        bias = Parameter(name: name + ".bias", rows: 1, cols: outputs, decays: false)
        weight.initGlorot(rng: &rng)
    }

    /// Input width.
    public var inputs: Int { weight.value.rows }
    /// Output width.
    public var outputs: Int { weight.value.cols }

    /// `y[0..<n] = x[0..<n] W + b`.
    public func forward(_ x: Matrix, rows n: Int, into y: Matrix) {
        sgemm(transA: false, transB: false, m: n, n: outputs, k: inputs, a: x.data, lda: x.cols,
              b: weight.value.data, ldb: outputs, c: y.data, ldc: y.cols)
        let b = bias.value.data
        for r in 0..<n { VectorMath.axpy(1, b, y.row(r), outputs) }
    }

    /// Accumulates dW = X^T dY and db = sum dY; writes dX = dY W^T when `dx` is given.
    public func backward(x: Matrix, dy: Matrix, rows n: Int, dx: Matrix?) {
        sgemm(transA: true, transB: false, m: inputs, n: outputs, k: n, a: x.data, lda: x.cols,
              b: dy.data, ldb: dy.cols, beta: 1, c: weight.grad.data, ldc: outputs)
        let gb = bias.grad.data
        for r in 0..<n { VectorMath.axpy(1, dy.row(r), gb, outputs) }
        if let dx {
            sgemm(transA: false, transB: true, m: n, n: inputs, k: outputs, a: dy.data, lda: dy.cols,
                  b: weight.value.data, ldb: outputs, c: dx.data, ldc: dx.cols)
        }
    }
}
