import Foundation
import NumCore
import Datasets

/// Precomputed item vectors for any modality (image embeddings, audio, a text encoder run
/// elsewhere) imported from a file and matched to the data set's items by external id.
///
/// Formats:
/// - `.npy` (`n x d`, float32/float64) plus an id list: a text file with one id per line
///   (blank lines ignored), line `k` naming row `k`.
/// - safetensors: a `n x d` tensor plus the ids from an id-list text file, or from an
///   integer tensor in the same file (ids are its decimal values).
/// - CSV: `id,v1,...,vd` per line; a first line whose second field is not a number is a
///   header. Every line must have the same `d`.
///
/// Ids that are not data set items are skipped and reported (count and the first few);
/// items without a vector are marked not present and counted. A NaN or infinite value is an
/// error naming the file and the row (or line); so are a duplicate id, a row count that does
/// not match the id list, and a CSV line with a different number of values.
public enum ImportedFeatures {
    /// Where the ids of the rows come from.
    public enum IDSource: Sendable {
        /// A text file with one id per line.
        case listFile(URL)
        /// An `I32`/`I64` tensor in the same safetensors file.
        case tensor(String)
        /// Row `k` is item index `k` (the file was written in data set order).
        case rowIndex
    }

    /// Vectors from `matrixFile` (.npy) with ids from `idFile`.
    /// - Throws: ``NumCore/ModelFileError`` or ``NumCore/TensorIOError`` naming the file.
    public static func fromNPY(_ matrixFile: URL, ids idFile: URL, items: IDMap, name: String) throws -> ModalityMatrix {
        let m = try NPY.readMatrix(from: matrixFile)
        let ids = try readIDList(idFile)
        return try assemble(name: name, file: matrixFile.lastPathComponent, ids: ids, rows: m, items: items)
    }

    /// Vectors from tensor `tensor` of the safetensors `file`, ids from `ids`.
    /// - Throws: ``NumCore/ModelFileError`` or ``NumCore/TensorIOError`` naming the file.
    public static func fromSafeTensors(_ url: URL, tensor: String, ids: IDSource, items: IDMap, name: String) throws -> ModalityMatrix {
        let file = try SafeTensorsFile.read(from: url)
        guard file.shape(of: tensor) != nil else {
            throw ModelFileError(file: url.lastPathComponent, item: tensor, problem: "no such tensor (tensors: \(file.names.prefix(8).joined(separator: ", ")))")
        }
        let m = try file.matrix(tensor)
        let list: [String]
        switch ids {
        case .listFile(let f): list = try readIDList(f)
        case .tensor(let t):
            guard file.shape(of: t) != nil else { throw ModelFileError(file: url.lastPathComponent, item: t, problem: "no such id tensor") }
            list = try file.int64s(t).map { String($0) }
        case .rowIndex: list = (0..<m.rows).map { $0 < items.count ? items[$0] : "#\($0)" }
        }
        return try assemble(name: name, file: url.lastPathComponent, ids: list, rows: m, items: items)
    }

    /// Vectors from a CSV file of `id,v1,...,vd` lines (optional header line).
    /// - Throws: ``NumCore/ModelFileError`` naming the file and line for a missing file, a value that is
    ///   not a number or not finite, a line whose dimension differs from the first, or a
    ///   duplicate id.
    public static func fromCSV(_ url: URL, items: IDMap, name: String) throws -> ModalityMatrix {
        let fileName = url.lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelFileError(file: fileName, problem: "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        var ids: [String] = []
        var values: [Float] = []
        var lines: [Int] = []
        var dim = -1
        var lineNumber = 0
        var sawLine = false
        // "\r\n" is one Character in Swift, and a newline like "\n".
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if !sawLine {
                sawLine = true
                if fields.count > 1 && Float(fields[1].trimmingCharacters(in: .whitespaces)) == nil { continue }  // header
            }
            let d = fields.count - 1
            guard d >= 1 else { throw ModelFileError(file: fileName, problem: "line \(lineNumber): expected 'id,v1,...,vd', found no values") }
            if dim < 0 { dim = d } else if d != dim {
                throw ModelFileError(file: fileName, problem: "line \(lineNumber): \(d) values, but earlier lines have \(dim)")
            }
            for (c, f) in fields.dropFirst().enumerated() {
                let s = f.trimmingCharacters(in: .whitespaces)
                guard let v = Float(s) else {
                    throw ModelFileError(file: fileName, problem: "line \(lineNumber): value \(c + 1) '\(s)' is not a number")
                }
                guard v.isFinite else {
                    throw ModelFileError(file: fileName, problem: "line \(lineNumber): value \(c + 1) is \(s) (NaN/inf not allowed)")
                }
                values.append(v)
            }
            ids.append(fields[0].trimmingCharacters(in: .whitespaces))
            lines.append(lineNumber)
        }
        guard dim > 0, !ids.isEmpty else { throw ModelFileError(file: fileName, problem: "no data lines") }
        let m = Matrix(rows: ids.count, cols: dim, values: values)
        return try assemble(name: name, file: fileName, ids: ids, rows: m, items: items, rowLabel: { "line \(lines[$0])" })
    }

    /// Reads an id list: one id per line, surrounding whitespace trimmed, blank lines skipped.
    /// - Throws: ``NumCore/ModelFileError`` when the file cannot be read.
    public static func readIDList(_ url: URL) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelFileError(file: url.lastPathComponent, problem: "cannot read the id list")
        }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Matches the rows of `rows` (row `k` has id `ids[k]`) to `items` and builds the
    /// modality. `rowLabel` says how a row is named in errors (default `row k`, 0-based).
    /// - Throws: ``NumCore/ModelFileError`` naming `file` for a row/id count mismatch, a non-finite
    ///   value (naming the row and id), or an id that occurs twice.
    public static func assemble(name: String, file: String, ids: [String], rows: Matrix, items: IDMap,
                                rowLabel: ((Int) -> String)? = nil) throws -> ModalityMatrix {
        let label = rowLabel ?? { "row \($0)" }
        guard ids.count == rows.rows else {
            throw ModelFileError(file: file, problem: "\(rows.rows) rows but \(ids.count) ids in the id list")
        }
        let d = rows.cols
        guard d > 0 else { throw ModelFileError(file: file, problem: "vectors have dimension 0") }
        let out = Matrix(rows: items.count, cols: d)
        var present = [Bool](repeating: false, count: items.count)
        var unmatched: [String] = []
        var seen: [String: Int] = [:]
        for r in 0..<rows.rows {
            let p = rows.row(r)
            for c in 0..<d where !p[c].isFinite {
                throw ModelFileError(file: file, problem: "\(label(r)) (id '\(ids[r])'): value \(c + 1) is \(p[c]) (NaN/inf not allowed)")
            }
            if let first = seen.updateValue(r, forKey: ids[r]) {
                throw ModelFileError(file: file, problem: "\(label(r)): id '\(ids[r])' already given at \(label(first))")
            }
            guard let i = items.index(of: ids[r]) else {
                unmatched.append(ids[r])
                continue
            }
            out.row(i).update(from: p, count: d)
            present[i] = true
        }
        let matched = rows.rows - unmatched.count
        var report = ["\(name): \(d)-d vectors for \(matched) of \(items.count) items from \(file)"]
        if !unmatched.isEmpty {
            let shown = unmatched.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            report.append("\(name): \(unmatched.count) ids in \(file) are not data set items, skipped (first: \(shown))")
        }
        let missing = items.count - matched
        if missing > 0 {
            let first = (0..<items.count).lazy.filter { !present[$0] }.prefix(5).map { "'\(items[$0])'" }.joined(separator: ", ")
            report.append("\(name): \(missing) items have no vector, marked not present (first: \(first))")
        }
        return ModalityMatrix(name: name, vectors: out, present: present, report: report)
    }
}
