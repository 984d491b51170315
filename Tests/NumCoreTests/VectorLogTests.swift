import Foundation
import Testing
import NumCore

@Suite struct VectorLogTests {
    @Test func log8MatchesLogOverTheNormalRange() {
        var worst = 0.0
        var x: Float = 1e-30
        while x < 1e30 {
            let xs = SIMD8<Float>((0..<8).map { x * (1 + Float($0) * 0.13) })
            let l = VectorMath.log8(xs)
            for i in 0..<8 {
                let exact = log(Double(xs[i]))
                worst = max(worst, abs(Double(l[i]) - exact) / max(1, abs(exact)))
            }
            x *= 1.7
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        // Exactly zero at 1, and the values around the range-reduction cut (sqrt(1/2)).
        #expect(VectorMath.log8(SIMD8(repeating: 1))[0] == 0)
        let cut = SIMD8<Float>(0.7071067, 0.7071068, 0.7071069, 1.4142134, 1.4142137, 0.5, 2, 1.0000001)
        let l = VectorMath.log8(cut)
        for i in 0..<8 { #expect(abs(Double(l[i]) - log(Double(cut[i]))) < 2e-7, "\(cut[i])") }
    }
}
