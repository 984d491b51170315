import Foundation
import NumCore

/// The semantic ID (primary code, secondary code) of every item, with an index for the
/// lookups the negative sampler makes: the items of a primary cluster and of a cell (p, s).
public struct SemanticIDs: Sendable, Equatable {
    /// Primary code of each item, in `0..<kp`.
    public let primary: [Int32]
    /// Secondary code of each item, in `0..<ks`.
    public let secondary: [Int32]
    /// Number of primary codes.
    public let kp: Int
    /// Number of secondary codes.
    public let ks: Int
    /// Items sorted by (primary, secondary, item).
    private let sortedItems: [Int32]
    /// `sortedItems[primaryStart[p] ..< primaryStart[p + 1]]` are the items of primary p.
    private let primaryStart: [Int]

    /// Codes for `primary.count` items (the two arrays must have equal length and codes in range).
    public init(primary: [Int32], secondary: [Int32], kp: Int, ks: Int) {
        precondition(primary.count == secondary.count, "\(primary.count) primary codes, \(secondary.count) secondary")
        precondition(primary.allSatisfy { $0 >= 0 && Int($0) < kp }, "primary code out of 0..<\(kp)")
        precondition(secondary.allSatisfy { $0 >= 0 && Int($0) < ks }, "secondary code out of 0..<\(ks)")
        self.primary = primary
        self.secondary = secondary
        self.kp = kp
        self.ks = ks
        var start = [Int](repeating: 0, count: kp + 1)
        for p in primary { start[Int(p) + 1] += 1 }
        for j in 0..<kp { start[j + 1] += start[j] }
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

    /// Writes `item_id<TAB>primary<TAB>secondary` lines under that header, one per item in
    /// item order, atomically (see ``AtomicFile``), and its checksum in `<file>.xxh64`
    /// (see ``ChecksumSidecar``). `itemIDs[i]` names item i.
    public func writeTSV(itemIDs: [String], to url: URL) throws {
        precondition(itemIDs.count == count, "\(itemIDs.count) item ids for \(count) items")
        var text = "item_id\tprimary\tsecondary\n"
        text.reserveCapacity(count * 24)
        for i in 0..<count { text += "\(itemIDs[i])\t\(primary[i])\t\(secondary[i])\n" }
        try ChecksumSidecar.write(Data(text.utf8), to: url)
    }

    /// Reads a file written by ``writeTSV(itemIDs:to:)``: the item ids and their codes,
    /// checked against its `.xxh64` sidecar when it has one.
    /// - Throws: ``TensorIOError`` on a checksum mismatch, a missing header or a malformed line.
    public static func readTSV(from url: URL, kp: Int, ks: Int) throws -> (itemIDs: [String], ids: SemanticIDs) {
        let data: Data
        do { data = try FileData.read(url) } catch {
            throw TensorIOError(file: url.path, problem: "cannot read file: \(error.localizedDescription)")
        }
        try ChecksumSidecar.verify(data, readFrom: url)
        guard let text = String(data: data, encoding: .utf8) else { throw TensorIOError(url: url, problem: "not UTF-8 text") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first == "item_id\tprimary\tsecondary" else {
            throw TensorIOError(url: url, problem: "missing header 'item_id\\tprimary\\tsecondary'")
        }
        lines.removeFirst()
        var names = [String](), p = [Int32](), s = [Int32]()
        for (n, line) in lines.enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3, let a = Int32(f[1]), let b = Int32(f[2]), a >= 0, Int(a) < kp, b >= 0, Int(b) < ks else {
                throw TensorIOError(url: url, problem: "line \(n + 2): expected item_id, primary < \(kp), secondary < \(ks)")
            }
            names.append(String(f[0])); p.append(a); s.append(b)
        }
        return (names, SemanticIDs(primary: p, secondary: s, kp: kp, ks: ks))
    }
}
