import Foundation
import NumCore
import Datasets

/// Semantic IDs (primary, secondary cluster) per item, as written by `esans cluster`
/// (`semantic_ids.tsv`: a header line, then `item_id<TAB>primary<TAB>secondary`).
public struct SemanticIDTable: Sendable {
    /// Primary and secondary code per item index of the dataset.
    public var primary: [Int32], secondary: [Int32]

    /// Codes given directly (one pair per item).
    public init(primary: [Int32], secondary: [Int32]) {
        precondition(primary.count == secondary.count)
        self.primary = primary
        self.secondary = secondary
    }

    /// Reads `url` and matches its item ids to `items`. Every item of the dataset needs a
    /// code; ids in the file that are not dataset items (an MSAC fit also codes the items
    /// without training interactions) are ignored and counted in `notes`. Primary codes must be
    /// below the number of items listed (as `esans cluster` writes them). A file with a
    /// checksum beside it (`semantic_ids.tsv.xxh64`, see ``ChecksumSidecar``) is checked first.
    /// - Throws: ``DataError`` for an unreadable or malformed file, ``TensorIOError`` on a
    ///   checksum mismatch.
    public static func read(_ url: URL, items: IDMap) throws -> (table: SemanticIDTable, notes: [String]) {
        let text: String
        do {
            let data = try FileData.read(url)
            try ChecksumSidecar.verify(data, readFrom: url)
            guard let t = String(data: data, encoding: .utf8) else {
                throw DataError(file: url.lastPathComponent, line: nil, field: nil, message: "semantic IDs are not UTF-8 text")
            }
            text = t
        } catch let e as TensorIOError { throw e } catch let e as DataError { throw e } catch {
            throw DataError(file: url.lastPathComponent, line: nil, field: nil, message: "cannot read semantic IDs (\(error.localizedDescription))")
        }
        var primary = [Int32](repeating: -1, count: items.count), secondary = [Int32](repeating: -1, count: items.count)
        var unknown = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // `esans cluster` has at most one primary cluster per item it lists (kp <= items), and
        // the sampler's tables grow with the square of the largest code: a larger one is damage.
        let listed = lines.dropFirst().filter { !$0.isEmpty }.count
        for (n, line) in lines.enumerated() where n > 0 && !line.isEmpty {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3 else {
                throw DataError(file: url.lastPathComponent, line: n + 1, field: nil, message: "expected 3 tab-separated fields (item_id, primary, secondary), found \(f.count)")
            }
            guard let p = Int32(f[1]), p >= 0 else { throw DataError(file: url.lastPathComponent, line: n + 1, field: "2 (primary)", message: "'\(f[1])' is not a non-negative integer") }
            guard Int(p) < listed else {
                throw DataError(file: url.lastPathComponent, line: n + 1, field: "2 (primary)",
                                message: "primary code \(p) is not below the \(listed) items listed; a clustering has at most one primary cluster per item")
            }
            guard let s = Int32(f[2]), s >= 0 else { throw DataError(file: url.lastPathComponent, line: n + 1, field: "3 (secondary)", message: "'\(f[2])' is not a non-negative integer") }
            guard let i = items.index(of: String(f[0])) else { unknown += 1; continue }
            primary[i] = p
            secondary[i] = s
        }
        let missing = primary.indices.filter { primary[$0] < 0 }
        guard missing.isEmpty else {
            throw DataError(file: url.lastPathComponent, line: nil, field: nil,
                            message: "\(missing.count) items of the dataset have no semantic ID (first: \(missing.prefix(5).map { items.externalIDs[$0] }.joined(separator: ", ")))")
        }
        return (SemanticIDTable(primary: primary, secondary: secondary),
                unknown > 0 ? ["semantic IDs: \(unknown) items of \(url.lastPathComponent) have no training interactions here (e.g. test-only or catalogue items), so they are never drawn"] : [])
    }

    /// The same cluster sizes with items assigned at random (the `random clusters` ablation):
    /// the (primary, secondary) pairs are permuted across items.
    public func shuffled(seed: UInt64) -> SemanticIDTable {
        var order = Array(primary.indices)
        var rng = RandomSource(seed: seed).derived("random-clusters")
        rng.shuffle(&order)
        return SemanticIDTable(primary: order.map { primary[$0] }, secondary: order.map { secondary[$0] })
    }
}
