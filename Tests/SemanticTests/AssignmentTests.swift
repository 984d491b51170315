import Foundation
import Testing
import NumCore
import Datasets
import TestSupport
@testable import Semantic
@testable import Alignment
@testable import Codebooks

/// `esans cluster assign`: items coded from a saved MSAC fit, checked against a direct
/// nearest-centroid computation.
struct AssignmentTests {
    /// `ds` without the items of `drop` (their interactions removed, the others re-indexed).
    static func dropping(_ ds: Dataset, items drop: Set<Int>) -> Dataset {
        let keep = (0..<ds.numItems).filter { !drop.contains($0) }
        var newIndex = [Int32](repeating: -1, count: ds.numItems)
        for (k, i) in keep.enumerated() { newIndex[i] = Int32(k) }
        func filter(_ x: Interactions) -> Interactions {
            var offsets = [0], items: [Int32] = []
            for u in 0..<x.numUsers {
                items += x.items(of: u).compactMap { newIndex[Int($0)] >= 0 ? newIndex[Int($0)] : nil }.sorted()
                offsets.append(items.count)
            }
            return Interactions(numUsers: x.numUsers, numItems: keep.count, offsets: offsets, items: items)
        }
        return Dataset(name: ds.name + "-dropped", users: ds.users, items: IDMap(keep.map { ds.items.externalIDs[$0] }),
                       train: filter(ds.train), test: filter(ds.test))
    }

    /// A behaviour-only MSAC fit of `ds` written to `dir`.
    static func fit(_ ds: Dataset, to dir: URL, dim: Int = 16) throws -> MSACPipeline.Config {
        var c = MSACPipeline.Config()
        c.dim = dim; c.kp = 8; c.ks = 4; c.iterations = 200; c.seed = 7
        let result = try MSACPipeline(config: c).run(dataset: ds, itemFile: nil, kgFile: nil, linkFile: nil)
        let settings = MSACSettings(modalities: c.modalities, imports: [], images: nil, kp: c.kp, ks: c.ks, dim: c.dim, alignEpochs: c.alignEpochs,
                                    seed: c.seed, structuredFields: [], data: "synthetic")
        try MSACOutput.write(result, settings: settings, itemIDs: ds.items.externalIDs, to: dir)
        return c
    }

    @Test func droppedItemsGetTheirNearestCentroidCodes() throws {
        let full = SyntheticData.make(users: 600, items: 300, clusters: 8, interactionsPerUser: 20, seed: 11)
        let dropped = Set(stride(from: 5, to: 300, by: 23))
        let reduced = Self.dropping(full, items: dropped)
        let tmp = TempDir()
        let config = try Self.fit(reduced, to: tmp.url)
        let output = try MSACOutput(directory: tmp.url)
        #expect(output.itemIDs == reduced.items.externalIDs)
        #expect(output.saved["behaviour"]?.raw != nil)

        let mods = try MSACPipeline(config: config).buildModalities(dataset: full, itemFile: nil, kgFile: nil, linkFile: nil)
        let a = try SemanticIDAssignment(output: output, modalities: mods, items: full.items, reassignAll: false)
        // The new items are exactly the dropped ones (those the synthetic data has interactions for).
        #expect(Set(a.newItems) == dropped)
        #expect(a.kept == reduced.numItems && a.reassigned == 0 && a.carriedOver == 0)
        // Behaviour was rebuilt on the full data and rotated into the fit's basis on the shared items.
        let rotation = try #require(a.rotations.first)
        #expect(rotation.name == "behaviour" && rotation.anchors == reduced.numItems)
        #expect(rotation.relativeError < 0.5, "rotation residual \(rotation.relativeError)")
        // Each new item's code is the nearest-centroid code computed one item at a time.
        for i in a.newItems {
            let vectors: [[Float]?] = a.aligned.indices.map { m in a.available[m][i] ? a.aligned[m].rowArray(i) : nil }
            let direct = output.codebooks.assignNew(modalityVectors: vectors)
            #expect(a.ids.primary[i] == direct.primary && a.ids.secondary[i] == direct.secondary, "item \(full.items.externalIDs[i])")
        }
        // Kept items keep the fit's codes.
        for (r, id) in output.itemIDs.enumerated() {
            let i = try #require(full.items.index(of: id))
            #expect(a.ids.primary[i] == output.ids.primary[r] && a.ids.secondary[i] == output.ids.secondary[r])
        }
        // The file round-trips in the semantic_ids.tsv format.
        try a.ids.writeTSV(itemIDs: a.itemIDs, to: tmp.file("assigned.tsv"))
        let back = try SemanticIDs.readTSV(from: tmp.file("assigned.tsv"), kp: 8, ks: 4)
        #expect(back.itemIDs == a.itemIDs && back.ids == a.ids)
    }

    /// Reassigning the fitted items from their fit-time vectors gives the nearest-centroid codes
    /// under the final centroids. Those equal the fit's own codes exactly when both k-means
    /// runs ended on an assignment step that changed nothing (converged); a run stopped by
    /// the iteration cap or the objective tolerance returns the assignment made before its
    /// last centroid update, which can differ for items near a boundary.
    @Test func reassigningTheFittedItemsReproducesTheirCodes() throws {
        let ds = SyntheticData.make(users: 600, items: 300, clusters: 8, interactionsPerUser: 20, seed: 11)
        let tmp = TempDir()
        let config = try Self.fit(ds, to: tmp.url)
        let output = try MSACOutput(directory: tmp.url)
        let mods = try MSACPipeline(config: config).buildModalities(dataset: ds, itemFile: nil, kgFile: nil, linkFile: nil)
        let a = try SemanticIDAssignment(output: output, modalities: mods, items: ds.items, reassignAll: true)
        #expect(a.reassigned == ds.numItems && a.newItems.isEmpty && a.kept == 0)
        #expect(a.ids.primary == output.ids.primary)
        #expect(a.ids.secondary == output.ids.secondary)
    }

    @Test func settingsRoundTripWithSpacesInPaths() throws {
        let s = MSACSettings(modalities: ["behaviour", "text"], imports: [("clip", "/data/my features/clip.npy")], images: "/data/my posters",
                             kp: 32, ks: 8, dim: 48, alignEpochs: 5, seed: 9, structuredFields: ["genre"], data: "/data/ml 100k")
        let back = try MSACSettings.parse(s.text, file: "msac.safetensors")
        #expect(back == s)
        #expect(back.imports.first?.path == "/data/my features/clip.npy" && back.images == "/data/my posters" && back.data == "/data/ml 100k")
        #expect(back.modalityOrder == ["behaviour", "text", "clip"])
        // An older line: imports by name only, no structured fields.
        let old = try MSACSettings.parse("modalities=behaviour imports=clip kp=64 ks=16 dim=64 align_epochs=30 seed=1 data=x", file: "f")
        #expect(old.imports.first?.path == nil && old.structuredFields == nil && old.kp == 64)
        #expect(throws: SemanticError.self) { try MSACSettings.parse("modalities=behaviour kp=x", file: "f") }
    }
}
