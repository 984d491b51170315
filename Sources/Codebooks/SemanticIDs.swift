import Foundation
import NumCore
import Datasets

/// The semantic ID (primary code, secondary code) of every item, with an index of the items
/// by primary cluster and by cell (p, s). `semantic_ids.tsv` holds them, one line per item
/// (see ``MSACArtifact``, which reads them with their codebooks).
public struct SemanticIDs: Sendable, Equatable {
    /// Primary code of each item, in `0..<kp`.
    public let primary: [Int32]
    /// Secondary code of each item, in `0..<ks`.
    public let secondary: [Int32]
    /// Number of primary codes.
    public let kp: Int
    /// Number of secondary codes.
    public let ks: Int
    /// Items sorted by (primary, secondary, item): each cluster, and each (primary, secondary)
    /// cell inside it, is one contiguous run (the order the ESANS sampler's tables draw from).
    public let sortedItems: [Int32]
    /// `sortedItems[primaryStart[p] ..< primaryStart[p + 1]]` are the items of primary p
    /// (`kp + 1` entries).
    public let primaryStart: [Int]

    /// Primary codes that at least one item has.
    public var usedPrimaryCodes: Int { (0..<kp).filter { primaryStart[$0 + 1] > primaryStart[$0] }.count }
    /// (primary, secondary) cells that at least one item is in.
    public var occupiedCells: Int { Set(zip(primary, secondary).map { Int($0) * ks + Int($1) }).count }

    /// Codes for `primary.count` items (the two arrays must have equal length and codes in range).
    public init(primary: [Int32], secondary: [Int32], kp: Int, ks: Int) {
        precondition(primary.count == secondary.count, "\(primary.count) primary codes, \(secondary.count) secondary")
        precondition(primary.allSatisfy { $0 >= 0 && Int($0) < kp }, "primary code out of 0..<\(kp)")
        precondition(secondary.allSatisfy { $0 >= 0 && Int($0) < ks }, "secondary code out of 0..<\(ks)")
        self.primary = primary
        self.secondary = secondary
        self.kp = kp
        self.ks = ks
        let start = CountingSort.offsets(of: primary, buckets: kp)
        var items = Array(0..<Int32(primary.count))
        items.sort { (primary[Int($0)], secondary[Int($0)], $0) < (primary[Int($1)], secondary[Int($1)], $1) }
        sortedItems = items
        primaryStart = start
    }

    /// Number of items.
    public var count: Int { primary.count }

    /// Items whose primary code is `p`, in increasing secondary code then item order.
    public func items(primary p: Int32) -> ArraySlice<Int32> {
        sortedItems[primaryStart[Int(p)] ..< primaryStart[Int(p) + 1]]
    }

    /// Items of cell (p, s), in increasing item order.
    public func items(primary p: Int32, secondary s: Int32) -> ArraySlice<Int32> {
        let slice = items(primary: p)
        // Binary searches for the first item with secondary >= s and > s.
        func bound(_ strict: Bool) -> Int {
            var lo = slice.startIndex, hi = slice.endIndex
            while lo < hi {
                let mid = (lo + hi) / 2
                let c = secondary[Int(slice[mid])]
                if c < s || (strict && c == s) { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        return sortedItems[bound(false) ..< bound(true)]
    }

    /// The same cluster sizes with items assigned at random (the `random clusters` ablation):
    /// the (primary, secondary) pairs are permuted across items.
    public func shuffled(seed: UInt64) -> SemanticIDs {
        var order = Array(primary.indices)
        var rng = RandomSource(seed: seed).derived("random-clusters")
        rng.shuffle(&order)
        return SemanticIDs(primary: order.map { primary[$0] }, secondary: order.map { secondary[$0] }, kp: kp, ks: ks)
    }

    /// The header line of `semantic_ids.tsv`.
    public static let tsvHeader = "item_id\tprimary\tsecondary"

    /// Writes `item_id<TAB>primary<TAB>secondary` lines under that header, one per item in
    /// item order, atomically (see ``AtomicFile``), and its checksum in `<file>.xxh64`
    /// (see ``ChecksumSidecar``). `itemIDs[i]` names item i.
    public func writeTSV(itemIDs: [String], to url: URL) throws {
        precondition(itemIDs.count == count, "\(itemIDs.count) item ids for \(count) items")
        var text = Self.tsvHeader + "\n"
        text.reserveCapacity(count * 24)
        for i in 0..<count { text += "\(itemIDs[i])\t\(primary[i])\t\(secondary[i])\n" }
        try ChecksumSidecar.write(Data(text.utf8), to: url)
    }

    /// Reads a file written by ``writeTSV(itemIDs:to:)``: the item ids and their codes, in
    /// file order, checked against its `.xxh64` sidecar when it has one. The one reader of
    /// `semantic_ids.tsv`.
    /// - Parameters:
    ///   - kp, ks: the sizes of the codebooks the codes index (those of the `msac.safetensors`
    ///     beside the file); every code must be below them. `nil` when there are no codebooks:
    ///     a primary code must then be below the number of items listed (a clustering has at
    ///     most one primary cluster per item, and the sampler's tables grow with the square of
    ///     the largest code, so a larger one is damage), and the sizes are the largest codes plus one.
    /// - Throws: ``NumCore/TensorIOError`` when the file cannot be read, fails its checksum or
    ///   is not UTF-8 text; ``Datasets/DataError`` naming the line and field of a missing header
    ///   or a malformed line.
    public static func readTSV(from url: URL, kp: Int? = nil, ks: Int? = nil) throws -> (itemIDs: [String], ids: SemanticIDs) {
        let data: Data
        do { data = try FileData.read(url) } catch {
            throw TensorIOError(file: url.path, problem: "cannot read file: \(FileErrorReason.text(error))")
        }
        try ChecksumSidecar.verify(data, readFrom: url)
        guard let text = String(data: data, encoding: .utf8) else { throw TensorIOError(url: url, problem: "not UTF-8 text") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == tsvHeader else {
            throw DataError(file: url.path, line: 1, message: "missing header 'item_id\\tprimary\\tsecondary'")
        }
        let listed = lines.dropFirst().filter { !$0.isEmpty }.count
        var names = [String](), p = [Int32](), s = [Int32]()
        names.reserveCapacity(listed); p.reserveCapacity(listed); s.reserveCapacity(listed)
        for (n, line) in lines.enumerated() where n > 0 && !line.isEmpty {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3 else {
                throw DataError(file: url.path, line: n + 1, message: "expected 3 tab-separated fields (item_id, primary, secondary), found \(f.count)")
            }
            guard let a = Int32(f[1]), a >= 0 else { throw DataError(file: url.path, line: n + 1, field: "2 (primary)", message: "'\(f[1])' is not a non-negative integer") }
            if let kp {
                guard Int(a) < kp else { throw DataError(file: url.path, line: n + 1, field: "2 (primary)", message: "primary code \(a) is not below Kp \(kp) of the codebooks") }
            } else {
                guard Int(a) < listed else {
                    throw DataError(file: url.path, line: n + 1, field: "2 (primary)",
                                    message: "primary code \(a) is not below the \(listed) items listed; a clustering has at most one primary cluster per item")
                }
            }
            guard let b = Int32(f[2]), b >= 0 else { throw DataError(file: url.path, line: n + 1, field: "3 (secondary)", message: "'\(f[2])' is not a non-negative integer") }
            if let ks, Int(b) >= ks {
                throw DataError(file: url.path, line: n + 1, field: "3 (secondary)", message: "secondary code \(b) is not below Ks \(ks) of the codebooks")
            }
            names.append(String(f[0])); p.append(a); s.append(b)
        }
        return (names, SemanticIDs(primary: p, secondary: s, kp: kp ?? Int(p.max() ?? -1) + 1, ks: ks ?? Int(s.max() ?? -1) + 1))
    }
}
