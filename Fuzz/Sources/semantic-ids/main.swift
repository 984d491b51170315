// Fuzzes the reader of `semantic_ids.tsv`: `MSACArtifact(ids:)` (with the `msac.safetensors`
// beside it when there is one; checked against its `.xxh64` sidecar) and its matching to a
// dataset's items, `SemanticIDs.readTSV` with given code ranges, and `SamplerFactory.make` for
// the esans sampler, which reads both files and builds the sampler's tables.
//
// Input: three option bytes, then semantic_ids.tsv, a zero byte, msac.safetensors (none when
// empty). Byte 1: bit 0 write a matching sidecar, bit 1 a non-matching one (without bit 0),
// bit 2 recompute msac.safetensors's checksums, bit 3 random clusters. Bytes 2 and 3: kp and
// ks for `readTSV` (1 + byte % 16).
import Datasets
import Foundation
import FuzzSupport
import NumCore
import Runs
import Sampling
import Training
import Codebooks

let dataset = SyntheticData.make(users: 6, items: 10, clusters: 2, interactionsPerUser: 3, seed: 1)
let allowed: (Error) -> Bool = { $0 is DataError || $0 is TensorIOError }

let target = FuzzTarget(name: "semantic-ids", seeds: seeds) { input in
    let flags = input.byte(), kp = 1 + Int(input.byte() % 16), ks = 1 + Int(input.byte() % 16)
    let files = input.parts(2)
    let dir = Scratch.directory("semantic-ids")
    let tsv = Scratch.write(files[0], MSACArtifact.idsFile, in: dir)
    let sidecar = ChecksumSidecar.url(for: tsv)
    if flags & 1 != 0 {
        Scratch.write(Array("\(Checksum64.hex(Checksum64.hash(files[0])))  \(MSACArtifact.idsFile)\n".utf8), to: sidecar)
    } else if flags & 2 != 0 {
        Scratch.write(Array("0123456789abcdef  \(MSACArtifact.idsFile)\n".utf8), to: sidecar)
    }
    if files.count > 1, !files[1].isEmpty {
        Scratch.write(flags & 4 != 0 ? SafeTensorsPatch.resealed(files[1]) : files[1], MSACArtifact.modelFile, in: dir)
    }
    expectErrors("MSACArtifact", allowed: allowed) {
        let (codes, _) = try MSACArtifact(ids: tsv).codes(for: dataset.items)
        require(codes.count == dataset.numItems, "codes for \(codes.count) items")
    }
    expectErrors("SemanticIDs.readTSV", allowed: allowed) {
        let (names, ids) = try SemanticIDs.readTSV(from: tsv, kp: kp, ks: ks)
        require(names.count == ids.count, "\(names.count) names for \(ids.count) codes")
    }
    expectErrors("esans sampler", allowed: allowed) {
        var config = TrainConfig()
        config.sampler = .esans
        config.semanticIDs = tsv.path
        config.randomClusters = flags & 8 != 0
        var notes: [String] = []
        let sampler = try SamplerFactory.make(config, context: SamplingContext(train: dataset.train), dataset: dataset, notes: &notes)
        if !sampler.needsScorer {
            var rng = RandomSource(seed: 1)
            let users: [Int32] = [0, 1], positives = users.map { dataset.train.items(of: Int($0)).first ?? 0 }
            _ = sampler.sample(BatchRequest(users: users, positives: positives), scorer: nil, rng: &rng)
        }
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    let ids = dataset.items.externalIDs
    let (tsv, model) = MSACFixture.write(to: Scratch.directory("seed"), itemIDs: ids + ["extra"], kp: 3, ks: 2)
    func seed(_ flags: UInt8, _ kp: UInt8, _ ks: UInt8, _ tsv: [UInt8], _ model: [UInt8]) -> [UInt8] {
        var b = InputBuilder()
        b.options(flags, kp, ks)
        b.append(tsv)
        if !model.isEmpty { b.append([0] + model) }
        return b.bytes
    }
    let handWritten = Array(("item_id\tprimary\tsecondary\n" + ids.enumerated().map { "\($1)\t\($0 % 4)\t\($0 % 3)" }.joined(separator: "\n")).utf8)
    return [
        ("with-msac", seed(1 | 4, 2, 1, tsv, model)),
        ("with-msac-random", seed(1 | 4 | 8, 2, 1, tsv, model)),
        ("ids-only", seed(1, 2, 1, tsv, [])),
        ("bad-sidecar", seed(2, 2, 1, tsv, [])),
        ("hand-written", seed(0, 3, 2, handWritten, [])),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
