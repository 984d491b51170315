import Foundation
import NumCore

/// Each user's test metrics of a run's reported model (`per_user_test.safetensors`): one
/// float32 vector per metric (`recall@20`, `ndcg@20`, ...), one entry per user row of the
/// dataset, NaN for users without test items. The compare harness pairs them across runs for
/// its significance tests; numpy reads them with `safetensors.numpy.load_file`.
public struct PerUserMetrics: Sendable {
    /// The values of each metric, by name; all vectors have one entry per user.
    public var values: [String: [Float]]

    /// Metrics given by name.
    public init(values: [String: [Float]]) { self.values = values }

    /// The metrics laid out as the evaluator writes them: row u holds Recall@K for each of
    /// `cutoffs`, then NDCG@K for each.
    public init(rows: Matrix, cutoffs: [Int]) {
        precondition(rows.cols == 2 * cutoffs.count, "one column per metric")
        var v: [String: [Float]] = [:]
        for (c, k) in cutoffs.enumerated() {
            v["recall@\(k)"] = (0..<rows.rows).map { rows[$0, c] }
            v["ndcg@\(k)"] = (0..<rows.rows).map { rows[$0, cutoffs.count + c] }
        }
        values = v
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws {
        var f = SafeTensorsFile()
        f.metadata["esans.kind"] = "per_user_test"
        for name in values.keys.sorted() {
            let x = values[name]!
            let m = Matrix(rows: 1, cols: x.count)
            m.data.update(from: x, count: x.count)
            f.add(name: name, matrix: m)
        }
        try f.write(to: url)
    }

    /// Reads a file written by ``write(to:)``.
    public static func read(from url: URL) throws -> PerUserMetrics {
        let f = try SafeTensorsFile.read(from: url)
        var v: [String: [Float]] = [:]
        for name in f.names {
            let m = try f.matrix(name)
            v[name] = Array(UnsafeBufferPointer(start: m.data, count: m.count))
        }
        return PerUserMetrics(values: v)
    }
}
