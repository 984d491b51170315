import Testing
import NumCore
@testable import Clustering

/// The SVD step shared by the sparse featurisers: padding, presence and scaling.
@Suite struct SVDEmbeddingTests {
    /// 5 rows over 4 columns, row 2 empty; rank 2 at most (rows 3 and 4 repeat rows 0 and 1).
    static let matrix: SparseMatrix = {
        let t: [(row: Int, col: Int, value: Float)] = [(0, 0, 2), (0, 1, 1), (1, 2, 3), (1, 3, 1), (3, 0, 2), (3, 1, 1), (4, 2, 3), (4, 3, 1)]
        return SparseMatrix(rows: 5, cols: 4, triplets: t)
    }()

    @Test func emptyRowsAreAbsentAndZeroAndTheOutputHasTheAskedWidth() {
        let out = SVDEmbedding(dim: 6, scaling: .full).reduce(Self.matrix, pool: nil)
        #expect(out.present == [true, true, false, true, true] && out.presentCount == 4)
        #expect(out.vectors.rows == 5 && out.vectors.cols == 6)
        #expect(out.rank == 4, "rank capped at min(rows, cols)")
        #expect((0..<6).allSatisfy { out.vectors[2, $0] == 0 })
        #expect(out.summary.hasPrefix("SVD rank 4, top singular values "))
    }

    @Test func fullScalingReproducesInnerProductsOfTheRows() {
        // U S (the LSA embedding) has the rows' Gram matrix when the rank is complete.
        let out = SVDEmbedding(dim: 4, oversampling: 4, powerIterations: 4, scaling: .full, seed: 3).reduce(Self.matrix, pool: nil)
        let dense: [[Float]] = [[2, 1, 0, 0], [0, 0, 3, 1], [0, 0, 0, 0], [2, 1, 0, 0], [0, 0, 3, 1]]
        for i in 0..<5 {
            for j in 0..<5 {
                let want = zip(dense[i], dense[j]).map(*).reduce(0, +)
                let got = (0..<4).map { out.vectors[i, $0] * out.vectors[j, $0] }.reduce(0, +)
                #expect(abs(got - want) < 1e-3, "(\(i), \(j)): \(got) against \(want)")
            }
        }
    }

    @Test func sqrtScalingIsTheSquareRootOfFull() {
        let full = SVDEmbedding(dim: 2, scaling: .full, seed: 5).reduce(Self.matrix, pool: nil)
        let sqrt = SVDEmbedding(dim: 2, scaling: .sqrt, seed: 5).reduce(Self.matrix, pool: nil)
        #expect(full.singularValues == sqrt.singularValues)
        for r in 0..<5 {
            for c in 0..<2 where full.singularValues[c] > 0 {
                #expect(abs(sqrt.vectors[r, c] * full.singularValues[c].squareRoot() - full.vectors[r, c]) < 1e-4)
            }
        }
    }
}
