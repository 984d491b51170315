import Foundation
import NumCore

/// The checks shared by the vector-database backends before they serve a run.
enum ExportedVectors {
    /// Why vectors exported as `stored` (items, dimension, data fingerprint) cannot serve a run
    /// of `run`, or nil when they can.
    static func mismatch(stored: (items: Int, dimension: Int, fingerprint: String),
                         run: (items: Int, dimension: Int, fingerprint: String)) -> String? {
        if run.dimension != stored.dimension { return "it holds vectors of dimension \(stored.dimension), the run's are \(run.dimension)" }
        if run.items != stored.items { return "it holds \(stored.items) items, the run has \(run.items)" }
        if run.fingerprint != stored.fingerprint {
            return "it was exported from a run on other data (fingerprint \(stored.fingerprint), the run's \(run.fingerprint))"
        }
        return nil
    }

    /// `d` in seconds.
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Compares up to 16 stored vectors, spread over the run's items, with the run's: `fetch`
    /// returns the stored vectors of the ids it is given; `what` names the table or collection.
    /// - Throws: ``VectorDBError`` when a row is missing or holds another vector.
    static func checkSample(_ items: Matrix, names: (Int) -> String, what: String, runPath: String,
                            fetch: ([String]) throws -> [String: [Float]]) throws {
        let n = items.rows
        guard n > 0 else { return }
        let picks = Array(Set((0..<min(16, n)).map { $0 * n / min(16, n) })).sorted()
        let ids = picks.map(names)
        let stored = try fetch(ids)
        for (i, id) in zip(picks, ids) {
            guard let v = stored[id] else { throw VectorDBError("\(what) has no row for item '\(id)' of \(runPath); export it again") }
            let mine = items.rowArray(i)
            guard v.count == mine.count, zip(v, mine).allSatisfy({ abs($0 - $1) <= 1e-5 }) else {
                throw VectorDBError("\(what) holds another vector for item '\(id)' than \(runPath): exported from another model? export it again")
            }
        }
    }

    /// `value` as compact JSON with sorted keys (what the exports record in the database).
    static func compactJSON<T: Encodable>(_ value: T) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(value)) ?? Data(), as: UTF8.self)
    }
}
