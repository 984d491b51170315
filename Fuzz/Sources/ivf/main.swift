// Fuzzes the IVF index reader (`IVFIndexFile.read`: format, fingerprints, list tensors) over
// item vectors chosen by the input, then searches what it accepted.
//
// Input: three option bytes, then ivf.safetensors. Byte 1: bit 0 recompute the checksums,
// bit 1 set `item_fingerprint` to the vectors' (so mutations get past that check), bit 2
// give the run a data fingerprint to compare. Byte 2: the number of items (byte % 48). Byte 3:
// the dimension (1 + byte % 8).
import Foundation
import FuzzSupport
import NumCore
import Serving

/// `rows x cols` deterministic item vectors.
func items(_ rows: Int, _ cols: Int) -> Matrix {
    Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { Float(($0 * 5 + 3) % 13) / 6 - 1 })
}

let target = FuzzTarget(name: "ivf", seeds: seeds) { input in
    let flags = input.byte(), rows = Int(input.byte() % 48), cols = 1 + Int(input.byte() % 8)
    let vectors = items(rows, cols)
    var file = input.rest()
    if flags & 2 != 0 { file = SafeTensorsPatch.settingString(file, key: "item_fingerprint", to: IVFIndexFile.fingerprint(vectors)) }
    if flags & 1 != 0 { file = SafeTensorsPatch.resealed(file) }
    let dir = Scratch.directory("ivf")
    Scratch.write(file, IVFIndexFile.fileName, in: dir)
    expectErrors("ivf.safetensors", allowed: { $0 is ServingError }) {
        let (index, _) = try IVFIndexFile.read(from: dir, items: vectors, dataFingerprint: flags & 4 != 0 ? "0123456789abcdef" : nil)
        require(index.count == rows && index.dimension == cols, "index of \(index.count)x\(index.dimension) for \(rows)x\(cols) vectors")
        let query = [Float](repeating: 0.5, count: cols)
        let hits = query.withUnsafeBufferPointer { q in
            [Int32]().withUnsafeBufferPointer { ex in index.search(q, k: 5, nprobe: 1 + Int(flags >> 4), excluding: ex) }
        }
        require(hits.count <= min(5, rows) && hits.allSatisfy { $0.item >= 0 && Int($0.item) < rows }, "search gave \(hits)")
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    func seed(_ flags: UInt8, rows: Int, cols: Int, lists: Int, probes: Int, fingerprint: String?) -> [UInt8] {
        let v = items(rows, cols)
        let index = IVFIndex(items: v, assignments: (0..<rows).map { Int32($0 * 7 % lists) }, lists: lists, defaultProbes: probes)
        let dir = Scratch.directory("seed")
        try! IVFIndexFile.write(index, items: v, metadata: ["source": "fuzz seed"], dataFingerprint: fingerprint, to: dir)
        return [flags, UInt8(rows), UInt8(cols - 1)] + [UInt8](try! Data(contentsOf: dir.appendingPathComponent(IVFIndexFile.fileName)))
    }
    return [
        ("small", seed(3, rows: 16, cols: 4, lists: 4, probes: 2, fingerprint: nil)),
        ("one-list", seed(3 | 4, rows: 5, cols: 2, lists: 1, probes: 8, fingerprint: "0123456789abcdef")),
        ("empty-lists", seed(3 | 0x30, rows: 9, cols: 3, lists: 12, probes: 3, fingerprint: "fedcba9876543210")),
        ("as-written", seed(0, rows: 16, cols: 4, lists: 4, probes: 2, fingerprint: nil)),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
