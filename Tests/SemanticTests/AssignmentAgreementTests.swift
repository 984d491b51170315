import Foundation
import Testing
import NumCore
@testable import Semantic

/// Assigning held-out items against refitting with them (`esans bench assign`).
struct AssignmentAgreementTests {
    /// `primaries x secondaries` blobs in `dim` dimensions, `per` items each: the primary centres
    /// far apart, then one of `secondaries` offsets shared by every primary (the residual
    /// structure a cascaded codebook captures), the noise smaller still (`noise`).
    static func blobs(primaries: Int, secondaries: Int, per: Int, dim: Int, noise: Float, seed: UInt64) -> Matrix {
        var rng = RandomSource(seed: seed)
        func gaussian(_ s: Float) -> [Float] { (0..<dim).map { _ in rng.normal() * s } }
        let centres = (0..<primaries).map { _ in gaussian(4) }
        let offsets = (0..<secondaries).map { _ in gaussian(1) }
        let m = Matrix(rows: primaries * secondaries * per, cols: dim)
        var r = 0
        for p in 0..<primaries {
            for s in 0..<secondaries {
                for _ in 0..<per {
                    let e = gaussian(noise)
                    for j in 0..<dim { m[r, j] = centres[p][j] + offsets[s][j] + e[j] }
                    r += 1
                }
            }
        }
        return m
    }

    @Test func wellSeparatedCellsAreAssignedWhereARefitPutsThem() {
        let m = Self.blobs(primaries: 6, secondaries: 3, per: 20, dim: 8, noise: 0.05, seed: 3)
        let all = [Bool](repeating: true, count: m.rows)
        let a = AssignmentAgreement.measure(aligned: [m], available: [all], names: ["x"], kp: 6, ks: 3, holdout: 0.1, seed: 1)
        #expect(a.heldOut == 36 && a.kept == 324)
        #expect(a.cellRate >= 0.9 && a.primaryRate >= a.cellRate, "\(a)")
        // Deterministic: the same seed gives the same figures.
        #expect(AssignmentAgreement.measure(aligned: [m], available: [all], names: ["x"], kp: 6, ks: 3, holdout: 0.1, seed: 1) == a)
    }

    @Test func overlappingCellsAgreeLess() {
        // Pure noise cut into many cells: boundaries move when the held-out items join, so some
        // assignments disagree with the refit (the measure can fall short, and reports it).
        let noise = Self.blobs(primaries: 1, secondaries: 1, per: 400, dim: 4, noise: 1, seed: 4)
        let separated = Self.blobs(primaries: 8, secondaries: 4, per: 12, dim: 4, noise: 0.05, seed: 4)
        let mask = [Bool](repeating: true, count: 400)
        let a = AssignmentAgreement.measure(aligned: [noise], available: [mask], names: ["x"], kp: 8, ks: 4, holdout: 0.2, seed: 2)
        let b = AssignmentAgreement.measure(aligned: [separated], available: [[Bool](repeating: true, count: separated.rows)], names: ["x"],
                                            kp: 8, ks: 4, holdout: 0.2, seed: 2)
        #expect(a.heldOut == 80 && b.heldOut == 77)
        #expect(a.cellRate < b.cellRate, "noise \(a), separated \(b)")
    }

    @Test func itemsWithoutAnyModalityAreNeverHeldOut() {
        let m = Self.blobs(primaries: 4, secondaries: 2, per: 10, dim: 4, noise: 0.05, seed: 5)
        var mask = [Bool](repeating: true, count: m.rows)
        for i in 0..<20 { mask[i] = false }
        let a = AssignmentAgreement.measure(aligned: [m], available: [mask], names: ["x"], kp: 2, ks: 2, holdout: 0.5, seed: 1)
        #expect(a.heldOut == 30, "half of the 60 items with the modality")
    }
}
