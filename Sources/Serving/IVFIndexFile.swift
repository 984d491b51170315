import Foundation
import NumCore

/// The on-disk form of an ``IVFIndex``: `INDEXDIR/ivf.safetensors` with the list structure
/// (tensors `centroids`, `list_offsets`, `list_items`) and metadata naming where the lists
/// came from and a fingerprint of the item vectors they were built on. The vectors themselves
/// are not stored: they are re-read from the run, and a fingerprint mismatch refuses the index.
/// The file also records the fingerprint of the run's data (`data_fingerprint`), and carries
/// the checksums of every esans safetensors file: a damaged or truncated index is refused.
public enum IVFIndexFile {
    /// File name inside an index directory.
    public static let fileName = "ivf.safetensors"
    /// Value of the `format` metadata key.
    public static let format = "esans-ivf-v1"

    /// Writes `index` into `directory` (created if needed), with `metadata` added (keys
    /// `format`, `items`, `dimension`, `lists`, `item_fingerprint` are set here, and
    /// `data_fingerprint`, the run's ``ServingRun/dataFingerprint``, when given).
    public static func write(_ index: IVFIndex, items: Matrix, metadata: [String: String], dataFingerprint: String? = nil, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var f = SafeTensorsFile()
        var meta = metadata
        if let dataFingerprint { meta["data_fingerprint"] = dataFingerprint }
        f.metadata = meta.merging([
            "format": format, "items": String(index.count), "dimension": String(index.dimension),
            "lists": String(index.lists), "item_fingerprint": fingerprint(items),
            "default_nprobe": String(index.defaultProbes),
        ]) { _, mine in mine }
        f.add(name: "centroids", matrix: index.centroids)
        f.add(name: "list_offsets", int32: index.listOffsets.map { Int32($0) })
        f.add(name: "list_items", int32: index.listItems)
        try f.write(to: directory.appendingPathComponent(fileName))
    }

    /// Reads the index in `directory` over `items`, the run's item vectors; `dataFingerprint`
    /// is the run's data fingerprint, compared with the file's when both are known.
    /// - Throws: ``ServingError`` (`badInput`) when the file is missing, damaged, malformed,
    ///   or was built from other data or on other vectors.
    public static func read(from directory: URL, items: Matrix, dataFingerprint: String? = nil) throws -> (index: IVFIndex, metadata: [String: String]) {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ServingError(.badInput, "\(url.path): not found; build it with `esans index build`")
        }
        let f: SafeTensorsFile
        do { f = try SafeTensorsFile.read(from: url) } catch let e as TensorIOError { throw ServingError(.badInput, e.description) }
        guard f.metadata["format"] == format else {
            throw ServingError(.badInput, "\(url.path): not an esans IVF index (format \(f.metadata["format"] ?? "missing"))")
        }
        if let recorded = f.metadata["data_fingerprint"], let dataFingerprint, recorded != dataFingerprint {
            throw ServingError(.badInput, "\(url.path) was built from a different dataset (fingerprint \(recorded), this data \(dataFingerprint)); rebuild it for this run")
        }
        guard f.metadata["item_fingerprint"] == fingerprint(items) else {
            throw ServingError(.badInput, "\(url.path) was built on other item vectors (\(f.metadata["items"] ?? "?") items); rebuild it for this run")
        }
        // The list tensors' sizes, from the header, before any of them is read.
        guard let offsetShape = f.shape(of: "list_offsets"), offsetShape.count == 1, offsetShape[0] >= 2,
              f.shape(of: "list_items") == [items.rows] else {
            throw ServingError(.badInput, "\(url.path): list tensors of shapes \(f.shape(of: "list_offsets").map { "\($0)" } ?? "missing"), "
                               + "\(f.shape(of: "list_items").map { "\($0)" } ?? "missing") do not describe \(items.rows) items")
        }
        let offsets: [Int], order: [Int32]
        do { (offsets, order) = (try f.int32s("list_offsets").map(Int.init), try f.int32s("list_items")) } catch let e as TensorIOError {
            throw ServingError(.badInput, e.description)
        }
        let lists = offsets.count - 1
        guard lists > 0, offsets.first == 0, offsets.last == items.rows, order.count == items.rows,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }),
              order.allSatisfy({ $0 >= 0 && Int($0) < items.rows }) else {
            throw ServingError(.badInput, "\(url.path): list tensors do not describe \(items.rows) items")
        }
        var assignments = [Int32](repeating: -1, count: items.rows)
        for l in 0..<lists { for p in offsets[l]..<offsets[l + 1] { assignments[Int(order[p])] = Int32(l) } }
        guard !assignments.contains(-1) else {
            throw ServingError(.badInput, "\(url.path): some items are in no list")
        }
        let probes = Int(f.metadata["default_nprobe"] ?? "") ?? 8
        return (IVFIndex(items: items, assignments: assignments, lists: lists, defaultProbes: probes), f.metadata)
    }

    /// A 64-bit FNV-1a hash of the shape and bits of `m`, as 16 hex digits.
    public static func fingerprint(_ m: Matrix) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ v: UInt64) { h = (h ^ v) &* 0x0000_0100_0000_01b3 }
        mix(UInt64(m.rows)); mix(UInt64(m.cols))
        let words = UnsafeRawPointer(m.data).assumingMemoryBound(to: UInt32.self)
        for i in 0..<m.count { mix(UInt64(words[i])) }
        return String(h, radix: 16)
    }
}
