import Foundation
import Testing
import NumCore
import Datasets
import TestSupport
@testable import Codebooks

/// The one reader and writer of an MSAC output: semantic IDs matched to a dataset's items,
/// code ranges from the codebooks beside them (or from the file alone), the centroid distances
/// the sampler weights easy clusters by, and the write order that keeps the two files of one fit.
@Suite struct MSACArtifactTests {
    static func items(_ ids: [String]) -> IDMap {
        var map = IDMap()
        for id in ids { _ = map.intern(id) }
        return map
    }

    /// Semantic IDs without codebooks, as the sampler reads them (moved here with the reader
    /// from Sampling's `SemanticIDTable`).
    @Test func readsMatchesAndRejects() throws {
        let dir = TempDir()
        let items = Self.items(["a", "b", "c"])
        let good = dir.file("good.tsv")
        try "item_id\tprimary\tsecondary\nc\t1\t0\na\t0\t2\nb\t1\t1\nzzz\t3\t3\n".write(to: good, atomically: true, encoding: .utf8)
        let (t, unmatched) = try MSACArtifact(ids: good).codes(for: items)
        #expect(t.primary == [0, 1, 1] && t.secondary == [2, 1, 0])
        #expect(unmatched == 1)
        // Without codebooks the ranges are the largest matched codes plus one.
        #expect(t.kp == 2 && t.ks == 3)
        let sh = t.shuffled(seed: 1)
        #expect(sh.primary.sorted() == t.primary.sorted())
        let bad = dir.file("bad.tsv")
        try "item_id\tprimary\tsecondary\na\t0\t2\nb\tx\t1\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect { try MSACArtifact(ids: bad) } throws: { "\($0)".contains("bad.tsv:3") && "\($0)".contains("primary") }
        let missing = dir.file("missing.tsv")
        try "item_id\tprimary\tsecondary\na\t0\t2\n".write(to: missing, atomically: true, encoding: .utf8)
        #expect { try MSACArtifact(ids: missing).codes(for: items) } throws: { "\($0)".contains("2 items") }
        let headless = dir.file("headless.tsv")
        try "a\t0\t0\nb\t0\t1\nc\t1\t0\n".write(to: headless, atomically: true, encoding: .utf8)
        let error = #expect(throws: DataError.self) { try MSACArtifact(ids: headless) }
        #expect(error?.line == 1 && error?.message.contains("missing header") == true)
    }

    /// With `msac.safetensors` beside the IDs its codebook sizes bound the codes (larger than
    /// the number of items listed is fine then); without it the number of items listed does.
    @Test func codeRangesComeFromTheCodebooks() throws {
        let dir = TempDir()
        let tsv = dir.file(MSACArtifact.idsFile)
        try "item_id\tprimary\tsecondary\na\t0\t0\nb\t5\t1\n".write(to: tsv, atomically: true, encoding: .utf8)
        let alone = #expect(throws: DataError.self) { try MSACArtifact(ids: tsv) }
        #expect(alone?.line == 3 && alone?.field == "2 (primary)" && alone?.message.contains("not below the 2 items listed") == true)
        let books = CascadedCodebooks(primary: Matrix(rows: 6, cols: 2), secondary: Matrix(rows: 2, cols: 2), modalityNames: ["behaviour"])
        try books.write(to: dir.file(MSACArtifact.modelFile))
        let artifact = try MSACArtifact(ids: tsv)
        #expect(artifact.ids.kp == 6 && artifact.ids.ks == 2 && artifact.model?.fittedIDs == nil)
        let matched = try artifact.codes(for: Self.items(["b", "a"])).ids
        #expect(matched.primary == [5, 0] && matched.kp == 6 && matched.ks == 2)
        try "item_id\tprimary\tsecondary\na\t0\t0\nb\t5\t2\n".write(to: tsv, atomically: true, encoding: .utf8)
        let beyond = #expect(throws: DataError.self) { try MSACArtifact(ids: tsv) }
        #expect(beyond?.line == 3 && beyond?.field == "3 (secondary)" && beyond?.message.contains("not below Ks 2") == true)
    }

    @Test func writeThenReadRoundTrips() throws {
        let dir = TempDir()
        let primary = Matrix(rows: 3, cols: 2, values: [0, 0, 3, 4, -1, 1])
        let books = CascadedCodebooks(primary: primary, secondary: Matrix(rows: 2, cols: 4, values: [1, 2, 3, 4, 5, 6, 7, 8]),
                                      modalityNames: ["text", "behaviour"])
        let ids = SemanticIDs(primary: [2, 0, 1, 0], secondary: [1, 1, 0, 0], kp: 3, ks: 2)
        // A TSV of an earlier fit (and its checksum) is replaced, not left beside the new model.
        try SemanticIDs(primary: [0], secondary: [0], kp: 1, ks: 1).writeTSV(itemIDs: ["old"], to: dir.file(MSACArtifact.idsFile))
        try MSACArtifact.write(codebooks: books, ids: ids, itemIDs: ["w", "x", "y", "z"], dataFingerprint: "feedface",
                               extraMetadata: ["note": "kept"], to: dir.url)
        let back = try MSACArtifact(directory: dir.url)
        #expect(back.itemIDs == ["w", "x", "y", "z"] && back.ids == ids)
        let model = try #require(back.model)
        #expect(model.fittedIDs == ids && model.dataFingerprint == "feedface" && model.file.metadata["note"] == "kept")
        #expect(model.codebooks.primary.array == primary.array && model.codebooks.modalityNames == ["text", "behaviour"])
        let d = try #require(try back.primaryCentroidDistances())
        #expect(d.array == [0, 25, 2, 25, 0, 25, 2, 25, 0])
        #expect(FileManager.default.fileExists(atPath: ChecksumSidecar.url(for: dir.file(MSACArtifact.idsFile)).path))
        #expect { try MSACArtifact(directory: dir.file("nowhere")) } throws: { "\($0)".contains("not found") }
    }
}
