import Foundation
import Testing
import NumCore
import Datasets
import TestSupport
@testable import Semantic
@testable import Alignment

/// MSAC covers the catalogue: items without training interactions (test-only, or only in the
/// `.item` file) get semantic IDs from the modalities they have.
struct CatalogueTests {
    /// The fixture loaded as `esans cluster` loads it (time split 0.8).
    static func load(_ fixture: RecBoleFixture) throws -> (Dataset, URL) {
        var o = LoadOptions()
        o.format = .recbole
        o.split = .ratioByTime(0.8)
        let ds = try DatasetLoader.load(path: fixture.directory.path, options: o)
        return (ds, fixture.itemFile)
    }

    @Test func theLoaderNamesItemsWithoutTrainingInteractions() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let (ds, _) = try Self.load(fixture)
        #expect(Set(ds.items.externalIDs) == Set(fixture.trainedItems))
        #expect(Set(ds.itemsWithoutTraining) == Set(fixture.testOnlyItems))
    }

    @Test func everyCatalogueItemWithAModalityGetsASemanticID() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let (ds, itemFile) = try Self.load(fixture)
        var c = MSACPipeline.Config()
        c.modalities = ["structured", "behaviour"]
        c.structuredFields = ["class"]
        c.dim = 8; c.kp = 4; c.ks = 2; c.alignEpochs = 5; c.seed = 3
        let r = try MSACPipeline(config: c).run(dataset: ds, itemFile: itemFile, kgFile: nil, linkFile: nil)

        // The dataset's items first, in index order, then the test-only and catalogue-only items;
        // the item without any attribute is left out.
        let coded = r.items.externalIDs
        #expect(Array(coded.prefix(ds.numItems)) == ds.items.externalIDs)
        #expect(Set(coded) == Set(fixture.itemsWithAttributes))
        #expect(!coded.contains(fixture.bareItem))
        #expect(r.fit.ids.count == coded.count)

        // Items without training interactions have no behaviour vector but a structured one,
        // which alignment maps into the common space.
        let b = try #require(r.modalities.firstIndex { $0.name == "behaviour" })
        let s = try #require(r.modalities.firstIndex { $0.name == "structured" })
        for id in fixture.testOnlyItems + fixture.catalogueOnlyItems {
            let i = try #require(r.items.index(of: id))
            #expect(!r.modalities[b].present[i] && r.modalities[s].present[i], "\(id)")
            let v = r.aligned[s].rowArray(i)
            #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4, "\(id): aligned structured vector has norm² \(v.reduce(0) { $0 + $1 * $1 })")
            #expect(r.aligned[b].rowArray(i).allSatisfy { $0 == 0 }, "\(id)")
        }

        // The coverage: which modalities each coded item had.
        let extra = fixture.testOnlyItems.count + fixture.catalogueOnlyItems.count
        let both = try #require(r.coverage.rows.first { $0.modalities == ["structured", "behaviour"] })
        let structuredOnly = try #require(r.coverage.rows.first { $0.modalities == ["structured"] })
        #expect(both.datasetItems == ds.numItems && both.otherItems == 0)
        #expect(structuredOnly.datasetItems == 0 && structuredOnly.otherItems == extra)
        #expect(r.coverage.uncoded == 1)
        #expect(r.coverage.items == coded.count)
        let lines = r.coverage.lines.joined(separator: "\n")
        #expect(lines.contains("semantic IDs for \(coded.count) items (\(ds.numItems) with training interactions, \(extra) without)"), "\(lines)")
        #expect(lines.contains("\(extra) from structured (no training interactions)"), "\(lines)")

        // Written and read back: one line per coded item.
        let out = tmp.file("msac")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let settings = MSACSettings(modalities: c.modalities, imports: [], images: nil, kp: c.kp, ks: c.ks, dim: c.dim, alignEpochs: c.alignEpochs,
                                    seed: c.seed, structuredFields: c.structuredFields, data: fixture.directory.path)
        try MSACOutput.write(r, settings: settings, itemIDs: coded, to: out)
        let back = try MSACOutput(directory: out)
        #expect(back.itemIDs == coded && back.ids == r.fit.ids)

        // Assigning the same data to this fit finds no new item: the fit already covers the catalogue.
        let catalogue = try ItemCatalogue(dataset: ds, itemFile: itemFile)
        let built = try MSACPipeline(config: c).buildModalities(dataset: ds, items: catalogue.items, itemFile: itemFile, kgFile: nil, linkFile: nil)
        let (restricted, mods, uncoded) = catalogue.restricted(built)
        #expect(restricted.items == r.items && uncoded == 1)
        let a = try SemanticIDAssignment(output: back, modalities: mods, items: restricted.items, reassignAll: false)
        #expect(a.newItems.isEmpty && a.kept == coded.count && a.ids == r.fit.ids)
    }

    /// Without a modality that describes them, items without training interactions cannot be
    /// coded: a behaviour-only fit keeps the dataset's items and counts the rest.
    @Test func behaviourAloneCodesOnlyTheTrainedItems() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let (ds, itemFile) = try Self.load(fixture)
        var c = MSACPipeline.Config()
        c.dim = 8; c.kp = 4; c.ks = 2; c.seed = 3
        let r = try MSACPipeline(config: c).run(dataset: ds, itemFile: itemFile, kgFile: nil, linkFile: nil)
        #expect(r.items == ds.items)
        #expect(r.coverage.uncoded == fixture.itemsWithAttributes.count + 1 - ds.numItems)
    }

    @Test func restrictionKeepsDatasetItemsAndItemsWithAModality() {
        let catalogue = ItemCatalogue(items: IDMap(["a", "b", "c", "d", "e"]), datasetItems: 2)
        let m1 = ModalityMatrix(name: "text", vectors: Matrix(rows: 5, cols: 2, values: [1, 0, 0, 0, 0, 1, 0, 0, 1, 1]),
                                present: [true, false, true, false, true])
        let m2 = ModalityMatrix(name: "behaviour", vectors: Matrix(rows: 5, cols: 2), present: [true, false, false, false, false])
        let (kept, mods, dropped) = catalogue.restricted([m1, m2])
        // "b" is a dataset item without any modality: kept (the sampler needs its code); "d" is dropped.
        #expect(kept.items.externalIDs == ["a", "b", "c", "e"] && kept.datasetItems == 2 && dropped == 1)
        #expect(mods[0].present == [true, false, true, true] && mods[0].vectors.rowArray(3) == [1, 1])
        let coverage = ModalityCoverage(modalities: mods, datasetItems: 2, uncoded: dropped)
        #expect(coverage.rows.map(\.modalities) == [["text"], ["text", "behaviour"], []])
        #expect(coverage.rows[0].otherItems == 2 && coverage.rows[1].datasetItems == 1 && coverage.rows[2].datasetItems == 1)
        #expect(coverage.lines.last?.contains("1 catalogue items have no modality") == true)
        // Padding a dataset-only modality to the catalogue marks the other items absent.
        let padded = catalogue.padded(ModalityMatrix(name: "behaviour", vectors: Matrix(rows: 2, cols: 2, values: [1, 2, 3, 4]), present: [true, true]))
        #expect(padded.numItems == 5 && padded.present == [true, true, false, false, false] && padded.vectors.rowArray(1) == [3, 4])
    }
}
