import TestSupport
import Foundation
import Testing
import NumCore
@testable import Serving

@Suite struct ScoreKernelTests {
    @Test(arguments: [64, 13, 8, 1])
    func matchesPlainDotProducts(dim: Int) {
        let rows = normalisedRows(37, dim, seed: 1), q = normalisedRows(1, dim, seed: 2).rowArray(0)
        var out = [Float](repeating: .nan, count: 37)
        q.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { o in
                ScoreKernel.scores(query: qp.baseAddress!, rows: rows.data, count: 37, dim: dim, out: o.baseAddress!)
            }
        }
        for r in 0..<37 {
            var s: Float = 0
            for j in 0..<dim { s += q[j] * rows[r, j] }
            #expect(abs(out[r] - s) < 1e-5, "row \(r): \(out[r]) vs \(s)")
        }
    }
}
