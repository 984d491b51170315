import Foundation
import Testing
import NumCore
import TestSupport
@testable import Losses

/// One random row of logits with masked columns and, optionally, logQ: the input every loss
/// test feeds to `Loss.row`.
struct RowFixture {
    var logits: [Float]
    /// Masked columns (>= 1), sorted.
    var masked: [Int32]
    /// logQ per column (column 0 holds 0), for losses that take it themselves.
    var logQ: [Float]?
    /// Added to the exact maximum to form the row's upper bound (a loose bound is the normal case).
    var slack: Float = 0
    var batchSize: Float = 1
    var user: Int32 = 0
    var index = 0

    /// `width` logits of N(0, scale^2) (cosines in [-1, 1] when `cosines`), every fourth column
    /// from 2 on masked.
    init(width: Int, seed: UInt64, scale: Float = 2, cosines: Bool = false, withLogQ: Bool = false) {
        var rng = RandomSource(seed: seed)
        logits = (0..<width).map { _ in cosines ? rng.unitFloat() * 1.9 - 0.95 : rng.normal() * scale }
        masked = stride(from: 2, to: width, by: 4).map(Int32.init)
        logQ = withLogQ ? [0] + (1..<width).map { _ in rng.unitFloat() * 3 - 2 } : nil
    }

    /// Unmasked negative columns.
    var negativeColumns: [Int] { (1..<logits.count).filter { !masked.contains(Int32($0)) } }

    /// The loss's value and its gradient (d(batch loss)/d(logit)) on a copy of the row.
    func run(_ loss: any Loss) -> (value: Float, gradient: [Float]) {
        var row = logits
        let width = row.count
        let q = logQ
        let upper = logits.max()! + slack, lower = logits.min()!
        let value = row.withUnsafeMutableBufferPointer { buf in
            masked.withUnsafeBufferPointer { m in
                func call(_ p: UnsafePointer<Float>?) -> Float {
                    let r = LossRow(logits: buf.baseAddress!, width: width, upperBound: upper, lowerBound: lower, batchSize: batchSize,
                                    index: index, user: user, logQ: p,
                                    masked: m, offset: 0, UnsafeBufferPointer(start: nil, count: 0), offset: 0)
                    return loss.row(r) { for j in 0..<width { buf[j] = logits[j] } }
                }
                if let q { return q.withUnsafeBufferPointer { call($0.baseAddress) } }
                return call(nil)
            }
        }
        return (value, row)
    }

    /// Central differences of the row loss w.r.t. each logit (divided by the batch size, as
    /// the gradient is).
    func numericGradient(_ loss: any Loss, eps: Float = 1e-2) -> [Double] {
        (0..<logits.count).map { j in
            var plus = self, minus = self
            plus.logits[j] += eps
            minus.logits[j] -= eps
            let step = Double(plus.logits[j]) - Double(minus.logits[j])
            return (Double(plus.run(loss).value) - Double(minus.run(loss).value)) / step / Double(batchSize)
        }
    }
}

/// Checks shared by every loss: the gradient against central differences, masked columns
/// with no gradient and no say in the loss, and the batch-size scaling.
func expectRowContract(_ loss: any Loss, _ row: RowFixture, sourceLocation: SourceLocation = #_sourceLocation) {
    let (value, gradient) = row.run(loss)
    #expect(value.isFinite, sourceLocation: sourceLocation)
    expectGradientsMatch(gradient, row.numericGradient(loss), "\(loss.kind) row", sourceLocation: sourceLocation)
    for j in row.masked { #expect(gradient[Int(j)] == 0, "masked column \(j) has a gradient", sourceLocation: sourceLocation) }
    // Moving a masked logit to the top of the row changes nothing.
    var moved = row
    moved.logits[Int(row.masked[0])] = row.logits.max()! + 3
    #expect(abs(moved.run(loss).value - value) <= 1e-5 * max(1, abs(value)), sourceLocation: sourceLocation)
    // The gradient is that of the batch mean.
    var quarter = row
    quarter.batchSize = 4
    let g4 = quarter.run(loss).gradient
    for j in 0..<gradient.count {
        #expect(abs(g4[j] * 4 - gradient[j]) <= 1e-5 * max(1, abs(gradient[j])), sourceLocation: sourceLocation)
    }
}

func close(_ a: Float, _ b: Double, _ tol: Double = 2e-5) -> Bool { abs(Double(a) - b) <= tol * max(1, abs(b)) }
