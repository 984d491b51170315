import Foundation
import NumCore

/// The last step of a sparse featuriser (MSAC's behaviour and structured modalities): rows of
/// a sparse matrix reduced to `dim` columns by a ``RandomizedSVD``, scaled, with its settings.
public struct SVDEmbedding: Sendable {
    /// Output dimension `d` (the vectors are zero-padded when the matrix has lower rank).
    public var dim: Int
    /// SVD oversampling (extra random directions).
    public var oversampling: Int
    /// Number of power iterations.
    public var powerIterations: Int
    /// How the singular vectors are scaled.
    public var scaling: EmbeddingScaling
    /// Seed of the SVD's test matrix (and of whatever the featuriser samples).
    public var seed: UInt64

    /// Settings: d = 64, oversampling 10 and 2 power iterations unless given.
    public init(dim: Int = 64, oversampling: Int = 10, powerIterations: Int = 2, scaling: EmbeddingScaling, seed: UInt64 = 0) {
        self.dim = dim
        self.oversampling = oversampling
        self.powerIterations = powerIterations
        self.scaling = scaling
        self.seed = seed
    }

    /// The reduction of `matrix`'s rows.
    public struct Output {
        /// `rows x dim`; zero where a row has no entry.
        public let vectors: Matrix
        /// Whether each row had an entry.
        public let present: [Bool]
        /// The rank computed (at most `dim`).
        public let rank: Int
        /// The singular values, largest first.
        public let singularValues: [Float]

        /// Rows present, for the report.
        public var presentCount: Int { present.reduce(0) { $0 + ($1 ? 1 : 0) } }
        /// "SVD rank R, top singular values a, b, c" for a featuriser's report.
        public var summary: String {
            "SVD rank \(rank), top singular values " + singularValues.prefix(3).map { String(format: "%.3f", $0) }.joined(separator: ", ")
        }
    }

    /// Reduces the rows of `matrix` (`symmetric` when it equals its transpose, so the
    /// transpose is not built).
    public func reduce(_ matrix: SparseMatrix, symmetric: Bool = false, pool: WorkerPool? = WorkerPool.shared) -> Output {
        let present = (0..<matrix.rows).map { matrix.rowOffsets[$0 + 1] > matrix.rowOffsets[$0] }
        let svd = RandomizedSVD(matrix, rank: dim, oversampling: oversampling, powerIterations: powerIterations,
                                symmetric: symmetric, seed: seed, pool: pool)
        let e = svd.embedding(scaling)
        let out = Matrix(rows: matrix.rows, cols: dim)
        for r in 0..<matrix.rows where present[r] { out.row(r).update(from: e.row(r), count: e.cols) }
        return Output(vectors: out, present: present, rank: e.cols, singularValues: svd.singularValues)
    }
}
