import Foundation
import Testing
import NumCore
@testable import Clustering

/// Randomised SVD against a dense Jacobi reference, determinism, orthonormality, and the
/// sparse products it is built on.
struct SVDTests {
    /// A `rows x cols` matrix of rank `rank` with singular values 10, 7, 5, ... plus small noise.
    static func lowRankPlusNoise(rows: Int, cols: Int, rank: Int, noise: Float, seed: UInt64) -> Matrix {
        var rng = RandomSource(seed: seed)
        let l = Matrix(rows: rows, cols: rank), r = Matrix(rows: rank, cols: cols)
        for i in 0..<l.count { l.data[i] = rng.normal() }
        for i in 0..<r.count { r.data[i] = rng.normal() }
        let a = Matrix(rows: rows, cols: cols)
        for i in 0..<rows {
            for j in 0..<cols {
                var s: Float = 0
                for k in 0..<rank { s += l[i, k] * r[k, j] * Float(rank - k) }
                a[i, j] = s + noise * rng.normal()
            }
        }
        return a
    }

    static func sparse(_ m: Matrix) -> SparseMatrix {
        var t: [(row: Int, col: Int, value: Float)] = []
        for i in 0..<m.rows { for j in 0..<m.cols where m[i, j] != 0 { t.append((i, j, m[i, j])) } }
        return SparseMatrix(rows: m.rows, cols: m.cols, triplets: t)
    }

    /// Singular values of a dense matrix from the Jacobi eigenvalues of AᵀA (in Double).
    static func denseSingularValues(_ a: Matrix) -> [Double] {
        let n = a.cols
        var g = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for r in 0..<a.rows { g[i * n + j] += Double(a[r, i]) * Double(a[r, j]) } } }
        return RandomizedSVD.symmetricEigen(g, n: n).values.map { max(0, $0).squareRoot() }
    }

    @Test func jacobiEigenOfKnownMatrix() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with eigenvectors (1, 1)/√2 and (1, -1)/√2.
        let (values, vectors) = RandomizedSVD.symmetricEigen([2, 1, 1, 2], n: 2)
        #expect(abs(values[0] - 3) < 1e-12 && abs(values[1] - 1) < 1e-12)
        #expect(abs(abs(vectors[0]) - 0.5.squareRoot()) < 1e-12 && abs(vectors[0] - vectors[2]) < 1e-12)
    }

    @Test func recoversTopSingularValues() {
        let a = Self.lowRankPlusNoise(rows: 30, cols: 20, rank: 5, noise: 0.01, seed: 7)
        let reference = Self.denseSingularValues(a)
        let svd = RandomizedSVD(Self.sparse(a), rank: 5, seed: 1, pool: nil)
        #expect(svd.singularValues.count == 5)
        for k in 0..<5 {
            let rel = abs(Double(svd.singularValues[k]) - reference[k]) / reference[k]
            #expect(rel < 1e-3, "σ\(k): \(svd.singularValues[k]) vs \(reference[k])")
        }
        // A·v = σ u: check ‖Aᵀ u_k‖ = σ_k.
        let atu = Self.sparse(a).transposeMultiply(svd.u, pool: nil)
        for k in 0..<5 {
            var s: Float = 0
            for r in 0..<atu.rows { s += atu[r, k] * atu[r, k] }
            #expect(abs(s.squareRoot() - svd.singularValues[k]) / svd.singularValues[k] < 1e-3)
        }
    }

    @Test func deterministicBySeedAndThreads() {
        let a = Self.sparse(Self.lowRankPlusNoise(rows: 300, cols: 120, rank: 8, noise: 0.1, seed: 3))
        let x = RandomizedSVD(a, rank: 6, seed: 42, pool: nil)
        let y = RandomizedSVD(a, rank: 6, seed: 42, pool: WorkerPool(threads: 2))
        #expect(x.singularValues == y.singularValues)
        #expect(x.u.array == y.u.array)
        let z = RandomizedSVD(a, rank: 6, seed: 43, pool: nil)
        #expect(z.u.array != x.u.array)
    }

    @Test func projectionIsOrthonormal() {
        var rng = RandomSource(seed: 5)
        let y = Matrix(rows: 500, cols: 12)
        for i in 0..<y.count { y.data[i] = rng.normal() }
        // Make two columns dependent to exercise the rank-deficiency path.
        for r in 0..<500 { y[r, 7] = 2 * y[r, 3] }
        let q = RandomizedSVD.orthonormalize(y, rng: &rng, pool: nil)
        for i in 0..<12 {
            for j in 0..<12 {
                var s: Float = 0
                for r in 0..<500 { s += q[r, i] * q[r, j] }
                #expect(abs(s - (i == j ? 1 : 0)) < 1e-4, "QᵀQ[\(i),\(j)] = \(s)")
            }
        }
        let svd = RandomizedSVD(Self.sparse(Self.lowRankPlusNoise(rows: 40, cols: 25, rank: 3, noise: 0.05, seed: 9)), rank: 4, seed: 0, pool: nil)
        for i in 0..<4 {
            for j in 0..<4 {
                var s: Float = 0
                for r in 0..<40 { s += svd.u[r, i] * svd.u[r, j] }
                #expect(abs(s - (i == j ? 1 : 0)) < 1e-4)
            }
        }
    }

    @Test func embeddingScaling() {
        let a = Self.sparse(Self.lowRankPlusNoise(rows: 30, cols: 20, rank: 3, noise: 0, seed: 2))
        let svd = RandomizedSVD(a, rank: 3, seed: 0, pool: nil)
        let full = svd.embedding(.full), half = svd.embedding(.sqrt), none = svd.embedding(.none)
        #expect(abs(full[4, 1] - none[4, 1] * svd.singularValues[1]) < 1e-5)
        #expect(abs(half[4, 2] - none[4, 2] * svd.singularValues[2].squareRoot()) < 1e-5)
    }

    @Test func sparseProductsMatchDense() {
        let t: [(row: Int, col: Int, value: Float)] = [(0, 1, 2), (2, 0, -1), (0, 1, 1), (1, 2, 4), (2, 2, 0.5)]
        let a = SparseMatrix(rows: 3, cols: 3, triplets: t)
        #expect(a.nonZeroCount == 4)          // (0, 1) merged
        #expect(a.dense().array == [0, 3, 0, 0, 0, 4, -1, 0, 0.5])
        let x = Matrix(rows: 3, cols: 2, values: [1, 2, 3, 4, 5, 6])
        #expect(a.multiply(x, pool: nil).array == [9, 12, 20, 24, 1.5, 1])
        // Aᵀ X: Aᵀ = [[0,0,-1],[3,0,0],[0,4,0.5]]
        #expect(a.transposeMultiply(x, pool: nil).array == [-5, -6, 3, 6, 14.5, 19])
        #expect(a.transposed().transposed().dense().array == a.dense().array)
        // Parallel multiply on a larger matrix equals the serial one.
        let big = Self.sparse(Self.lowRankPlusNoise(rows: 2000, cols: 50, rank: 2, noise: 1, seed: 1))
        let xb = Matrix(rows: 50, cols: 9)
        for i in 0..<xb.count { xb.data[i] = Float(i % 7) - 3 }
        #expect(big.multiply(xb, pool: WorkerPool(threads: 2)).array == big.multiply(xb, pool: nil).array)
    }
}
