import TestSupport
import RunFixtures
import Foundation
import Runs
import Testing
import NumCore
import Training
@testable import Serving

@Suite struct ExportTests {
    /// The semantic IDs of an `esans cluster` directory, matched by item id, land beside the
    /// exported vectors as a TSV and two int32 .npy arrays in item row order.
    @Test func semanticIDsAreExportedInItemOrder() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url))
        let names = run.dataset.items.externalIDs
        try writeMSAC(to: tmp.file("msac"), itemIDs: names.reversed(), kp: 6)  // file order differs from row order
        let codes = try IVFBuilder.primaryCodes(tmp.file("msac"), itemIDs: run.dataset.items)
        let out = tmp.file("export")
        try EmbeddingExport.writeSemanticIDs(primary: codes.primary, secondary: codes.secondary, dataset: run.dataset, to: out)
        let primary = try NPY.readInt32s(from: out.appendingPathComponent("item_primary_codes.npy"))
        let secondary = try NPY.readInt32s(from: out.appendingPathComponent("item_secondary_codes.npy"))
        // writeMSAC gave the j-th listed id the code j % 6; row i is listed at j = n - 1 - i.
        let n = names.count
        #expect(primary == (0..<n).map { Int32((n - 1 - $0) % 6) })
        #expect(secondary == (0..<n).map { Int32((n - 1 - $0) % 2) })
        let lines = try String(contentsOf: out.appendingPathComponent("item_semantic_ids.tsv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == n + 1 && lines[0] == "index\tid\tprimary\tsecondary")
        #expect(lines[1] == "0\t\(names[0])\t\(primary[0])\t\(secondary[0])")
    }
}
