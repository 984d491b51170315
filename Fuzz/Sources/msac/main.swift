// Fuzzes the reader of an MSAC output directory (`MSACOutput(directory:)`: settings,
// codebooks, codes, projections, fit-time vectors, checked against `semantic_ids.tsv`), the
// codebook reader, and the IVF lists built from its primary codes (`IVFBuilder.fromMSAC`).
//
// Input: one option byte (bit 0 write a matching `.xxh64` sidecar for semantic_ids.tsv, bit 1
// a non-matching one without bit 0, bit 2 recompute msac.safetensors's checksums), a 16-bit
// little-endian length, that many bytes of semantic_ids.tsv, then msac.safetensors.
import Datasets
import Foundation
import FuzzSupport
import NumCore
import Semantic
import Alignment
import Serving
import Codebooks

let allowed: (Error) -> Bool = { $0 is SemanticError || $0 is TensorIOError || $0 is DataError }

let target = FuzzTarget(name: "msac", seeds: seeds) { input in
    let flags = input.byte()
    let tsvBytes = input.take(input.uint16())
    var model = input.rest()
    if flags & 4 != 0 { model = SafeTensorsPatch.resealed(model) }
    let dir = Scratch.directory("msac")
    let tsv = Scratch.write(tsvBytes, MSACArtifact.idsFile, in: dir)
    let modelURL = Scratch.write(model, MSACArtifact.modelFile, in: dir)
    if flags & 1 != 0 {
        Scratch.write(Array("\(Checksum64.hex(Checksum64.hash(tsvBytes)))  \(MSACArtifact.idsFile)\n".utf8), to: ChecksumSidecar.url(for: tsv))
    } else if flags & 2 != 0 {
        Scratch.write(Array("0123456789abcdef  \(MSACArtifact.idsFile)\n".utf8), to: ChecksumSidecar.url(for: tsv))
    }
    expectErrors("MSACOutput", allowed: allowed) {
        let out = try MSACOutput(directory: dir)
        require(out.itemIDs.count == out.ids.count, "\(out.itemIDs.count) ids, \(out.ids.count) codes")
    }
    expectErrors("CascadedCodebooks.read", allowed: allowed) { _ = try CascadedCodebooks.read(from: modelURL) }
    // The IVF lists of a run whose items are the first ids of the file.
    let names = String(decoding: tsvBytes, as: UTF8.self).split(separator: "\n").dropFirst().prefix(40)
        .map { String($0.split(separator: "\t", omittingEmptySubsequences: false)[0]) }
    let items = IDMap(names)
    expectErrors("IVFBuilder.fromMSAC", allowed: { $0 is ServingError || allowed($0) }) {
        let vectors = Matrix(rows: items.count, cols: 3, values: (0..<items.count * 3).map { Float($0 % 5) - 2 })
        let index = try IVFBuilder.fromMSAC(dir, items: vectors, itemIDs: items, defaultProbes: 2)
        require(index.count == items.count, "index of \(index.count) items for \(items.count)")
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    func seed(_ flags: UInt8, _ files: (tsv: [UInt8], model: [UInt8])) -> [UInt8] {
        var b = InputBuilder()
        b.options(flags)
        b.uint16(files.tsv.count)
        b.append(files.tsv)
        b.append(files.model)
        return b.bytes
    }
    let ids = (0..<12).map { "i\($0)" }
    return [
        ("aligned", seed(1 | 4, MSACFixture.write(to: Scratch.directory("a"), itemIDs: ids, kp: 3, ks: 2))),
        ("two-modalities", seed(1 | 4, MSACFixture.write(to: Scratch.directory("b"), itemIDs: ids, kp: 4, ks: 3, dim: 2,
                                                         modalities: ["behaviour", "text"]))),
        ("unaligned", seed(4, MSACFixture.write(to: Scratch.directory("c"), itemIDs: Array(ids.prefix(5)), kp: 2, ks: 2, align: false))),
        ("as-written", seed(1, MSACFixture.write(to: Scratch.directory("d"), itemIDs: Array(ids.prefix(4)), kp: 2, ks: 1))),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
