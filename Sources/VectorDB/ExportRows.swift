import NumCore

/// The rows an export loads into a vector database: `ids[i]`, row i of `vectors`, and
/// optional semantic IDs (primary and secondary codes).
public struct ExportRows {
    public var ids: [String]
    public var vectors: Matrix
    public var primary: [Int32]?
    public var secondary: [Int32]?

    /// Rows from parallel arrays (`ids.count == vectors.rows`, codes of the same length).
    public init(ids: [String], vectors: Matrix, primary: [Int32]? = nil, secondary: [Int32]? = nil) {
        precondition(ids.count == vectors.rows, "\(ids.count) ids for \(vectors.rows) vectors")
        precondition(primary.map { $0.count == ids.count } ?? true && secondary.map { $0.count == ids.count } ?? true,
                     "codes and ids differ in length")
        self.ids = ids; self.vectors = vectors; self.primary = primary; self.secondary = secondary
    }
}

