import NumCore

/// One modality's item vectors: a dense `numItems x dim` matrix indexed like the data set's
/// item ``Datasets/IDMap``, a presence flag per item, and human-readable report lines.
///
/// Rows of items without the modality (no attributes, no interactions, no imported vector)
/// are all zeros and have `present[i] == false`; alignment skips the pairs that need them.
public struct ModalityMatrix: Sendable {
    /// Modality name, e.g. `structured`, `behaviour`, `visual`.
    public var name: String
    /// `numItems x dim` vectors, row `i` for item index `i`.
    public var vectors: Matrix
    /// Whether item `i` has this modality.
    public var present: [Bool]
    /// What building the modality did, e.g. `vocabulary 1,204 tokens over 1,682 items` or
    /// `12 ids in visual.csv are not data set items (first: 'x', 'y')`.
    public var report: [String]

    /// Creates a modality; `present.count` must equal `vectors.rows`.
    public init(name: String, vectors: Matrix, present: [Bool], report: [String] = []) {
        precondition(present.count == vectors.rows, "present has \(present.count) entries for \(vectors.rows) rows")
        self.name = name
        self.vectors = vectors
        self.present = present
        self.report = report
    }

    /// Number of items (rows).
    public var numItems: Int { vectors.rows }
    /// Vector dimension.
    public var dim: Int { vectors.cols }
    /// Number of items that have the modality.
    public var presentCount: Int { present.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Cosine similarity of items `i` and `j` (0 when either vector is zero).
    public func cosine(_ i: Int, _ j: Int) -> Float {
        let a = vectors.row(i), b = vectors.row(j)
        let na = VectorMath.dot(a, a, dim), nb = VectorMath.dot(b, b, dim)
        guard na > 0, nb > 0 else { return 0 }
        return VectorMath.dot(a, b, dim) / (na * nb).squareRoot()
    }

    /// A copy whose present rows are scaled to unit L2 norm (absent rows stay zero).
    public func l2Normalized() -> ModalityMatrix {
        let v = vectors.copy()
        for i in 0..<v.rows where present[i] {
            let p = v.row(i)
            let n = VectorMath.dot(p, p, dim).squareRoot()
            if n > 0 { VectorMath.scale(p, dim, by: 1 / n) }
        }
        return ModalityMatrix(name: name, vectors: v, present: present, report: report)
    }
}
