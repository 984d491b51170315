import Foundation
import Testing
import NumCore
import Datasets
import TestSupport
@testable import Semantic
@testable import Alignment
@testable import Codebooks
import Codebooks

/// An MSAC output records the data it was fitted on and carries checksums: a damaged or cut
/// `msac.safetensors`, `semantic_ids.tsv` or checksum file is refused naming the file;
/// outputs from before checksums still load.
@Suite struct MSACIntegrityTests {
    static func fit(to dir: URL) throws -> Dataset {
        let ds = SyntheticData.make(users: 80, items: 40, clusters: 4, interactionsPerUser: 8, seed: 5)
        var c = MSACPipeline.Config()
        c.dim = 4; c.kp = 4; c.ks = 2; c.iterations = 20; c.seed = 7
        let result = try MSACPipeline(config: c).run(dataset: ds, itemFile: nil, kgFile: nil, linkFile: nil)
        let settings = MSACSettings(modalities: c.modalities, imports: [], images: nil, kp: c.kp, ks: c.ks, dim: c.dim, alignEpochs: c.alignEpochs,
                                    seed: c.seed, structuredFields: [], data: "synthetic")
        try MSACOutput.write(result, settings: settings, itemIDs: ds.items.externalIDs, dataFingerprint: ds.fingerprint, to: dir)
        return ds
    }

    @Test func outputsRecordTheirDataAndChecksums() throws {
        let tmp = TempDir()
        let ds = try Self.fit(to: tmp.url)
        let out = try MSACOutput(directory: tmp.url)
        #expect(out.dataFingerprint == ds.fingerprint)
        let tsv = tmp.file(MSACArtifact.idsFile)
        let side = try String(contentsOf: ChecksumSidecar.url(for: tsv), encoding: .utf8)
        #expect(side == "\(Checksum64.hex(Checksum64.hash(try Data(contentsOf: tsv))))  \(MSACArtifact.idsFile)\n")
    }

    @Test(arguments: [MSACArtifact.modelFile, MSACArtifact.idsFile, MSACArtifact.idsFile + ".xxh64"])
    func damagedFilesAreRefused(_ name: String) throws {
        let tmp = TempDir()
        _ = try Self.fit(to: tmp.url)
        let url = tmp.file(name)
        let count = try Data(contentsOf: url).count
        let offsets = damageOffsets(count: count, dense: 600, samples: 300)
        let lengths = damageOffsets(count: count, dense: 100, samples: 100)
        // The checksum file names the file it covers; its damage is reported against either.
        let mention = name.hasSuffix(".xxh64") ? tmp.file(MSACArtifact.idsFile).path : url.path
        let missed = try damagesNotRefused(url, damages(offsets: offsets, lengths: lengths), mention: mention) {
            _ = try MSACOutput(directory: tmp.url)
        }
        #expect(missed.isEmpty, "\(name): \(missed.count) damaged files not refused: \(missed.prefix(5).map { "\($0.0): \($0.1)" })")
    }

    @Test func tsvChecksumMismatchSaysWhatToDo() throws {
        let tmp = TempDir()
        _ = try Self.fit(to: tmp.url)
        let tsv = tmp.file(MSACArtifact.idsFile)
        var text = try String(contentsOf: tsv, encoding: .utf8)
        text += "extra\t0\t0\n"
        try text.write(to: tsv, atomically: true, encoding: .utf8)
        do {
            _ = try SemanticIDs.readTSV(from: tsv, kp: 4, ks: 2)
            Issue.record("an edited file was accepted")
        } catch {
            #expect("\(error)" == "\(tsv.path): checksum mismatch with semantic_ids.tsv.xxh64 (file damaged, truncated or edited; if it was edited on purpose, delete semantic_ids.tsv.xxh64)")
        }
    }

    /// Outputs written before checksums: no checksum file, no checksums or fingerprint in the metadata.
    @Test func oldOutputsStillLoad() throws {
        let tmp = TempDir()
        _ = try Self.fit(to: tmp.url)
        let before = try MSACOutput(directory: tmp.url)
        try FileManager.default.removeItem(at: ChecksumSidecar.url(for: tmp.file(MSACArtifact.idsFile)))
        let model = tmp.file(MSACArtifact.modelFile)
        try withoutChecksums(try Data(contentsOf: model)).write(to: model)
        let old = try MSACOutput(directory: tmp.url)
        #expect(old.ids == before.ids && old.itemIDs == before.itemIDs)
        #expect(old.codebooks.primary.array == before.codebooks.primary.array)
    }
}
