import Foundation
import Testing
import NumCore
import Datasets
import TestSupport
@testable import Semantic
@testable import Alignment
import Codebooks

/// `esans cluster` writing over an earlier output and killed midway (scripts/crash-harness.py,
/// scenario cluster-over) used to leave the new `msac.safetensors` beside the old
/// `semantic_ids.tsv`, or the new TSV beside the old TSV's checksum. Now the old TSV and its
/// checksum go first: whatever write the fit stops after, the directory holds one fit's files.
@Suite struct InterruptedOutputTests {
    static let data = SyntheticData.make(users: 80, items: 40, clusters: 4, interactionsPerUser: 8, seed: 5)

    /// A behaviour-only fit of ``data`` with `kp` primary clusters.
    static func fit(kp: Int, seed: UInt64) throws -> (result: MSACPipeline.Result, settings: MSACSettings) {
        var c = MSACPipeline.Config()
        c.dim = 4; c.kp = kp; c.ks = 2; c.iterations = 20; c.seed = seed
        let result = try MSACPipeline(config: c).run(dataset: data, itemFile: nil, kgFile: nil, linkFile: nil)
        let settings = MSACSettings(modalities: c.modalities, imports: [], images: nil, kp: c.kp, ks: c.ks, dim: c.dim, alignEpochs: c.alignEpochs,
                                    seed: c.seed, structuredFields: [], data: "synthetic")
        return (result, settings)
    }

    static func write(_ fit: (result: MSACPipeline.Result, settings: MSACSettings), to dir: URL) throws {
        try MSACOutput.write(fit.result, settings: fit.settings, itemIDs: data.items.externalIDs, dataFingerprint: data.fingerprint, to: dir)
    }

    @Test func aRewriteStoppedAfterAnyFileNeverMixesTwoFits() throws {
        let old = try Self.fit(kp: 4, seed: 7), new = try Self.fit(kp: 6, seed: 8)
        #expect(old.result.fit.ids != new.result.fit.ids)
        let counting = TempDir()
        let counter = CommitCounter()
        try counter.run { try Self.write(new, to: counting.url) }
        #expect(counter.committed.map(\.lastPathComponent) == [MSACArtifact.modelFile, MSACArtifact.idsFile, MSACArtifact.idsFile + ".xxh64"])
        for k in 1...counter.committed.count {
            let tmp = TempDir()
            try Self.write(old, to: tmp.url)
            try CommitCounter(crashAfter: k).run { try Self.write(new, to: tmp.url) }
            if FileManager.default.fileExists(atPath: tmp.file(MSACArtifact.idsFile).path) {
                // Read back, checked against its checksum when that is there: the new fit only.
                let out = try MSACOutput(directory: tmp.url)
                #expect(out.ids == new.result.fit.ids && out.codebooks.kp == 6, "stopped after write \(k)")
            } else {
                // Incomplete until the fit is written again, and says so.
                #expect(throws: (any Error).self, "stopped after write \(k)") { _ = try MSACOutput(directory: tmp.url) }
            }
        }
    }
}
