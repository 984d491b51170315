import TestSupport
import Foundation
import Testing
@testable import Datasets

/// Items held out of training (`--cold-items F`) and the test pairs of items without training
/// interactions, which the loader keeps aside for the cold-item evaluation.
@Suite struct ColdItemHoldoutTests {
    func load(_ fixture: RecBoleFixture, cold: Double, seed: UInt64 = 1, strict: Bool = false) throws -> Dataset {
        var o = LoadOptions(format: .recbole, split: .ratioByTime(0.8), strict: strict, seed: seed)
        o.coldItems = cold
        return try DatasetLoader.load(path: fixture.directory.path, options: o)
    }

    /// The time split leaves the fixture's test-only items without training interactions: their
    /// test pairs of seen users are kept in `coldTest`, indexed by `itemsWithoutTraining`.
    @Test func testOnlyItemsKeepTheirTestPairsAside() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let ds = try load(fixture, cold: 0)
        #expect(Set(ds.itemsWithoutTraining) == Set(fixture.testOnlyItems))
        let cold = try #require(ds.coldTest)
        #expect(cold.numUsers == ds.numUsers && cold.numItems == ds.itemsWithoutTraining.count)
        // The fixture gives a test-only item to every third user of genre 0: 48 users, 4 genres → 4 users.
        #expect(cold.count == 4)
        for u in 0..<cold.numUsers {
            for c in cold.items(of: u) { #expect(ds.itemsWithoutTraining[Int(c)].hasPrefix("t")) }
        }
        #expect(ds.notes.contains { $0.contains("kept aside for the cold-item evaluation") }, "\(ds.notes)")
    }

    /// A held-out share of the items loses every training pair to test, the same items for the
    /// same seed and others for another seed; the other items' data is unchanged.
    @Test func heldOutItemsHaveNoTrainingInteractions() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let base = try load(fixture, cold: 0)
        let ds = try load(fixture, cold: 0.25)
        let again = try load(fixture, cold: 0.25)
        let other = try load(fixture, cold: 0.25, seed: 2)
        // 48 trained and 4 test-only items occur in the log: a quarter of 52 is held out.
        #expect(ds.notes.contains { $0.hasPrefix("held 13 of 52 items") }, "\(ds.notes)")
        let held = Set(ds.itemsWithoutTraining).filter { base.items.index(of: $0) != nil }
        #expect(held.count <= 13 && held.count >= 13 - fixture.testOnlyItems.count, "\(held.count) of the held-out items had training pairs")
        #expect(Set(ds.itemsWithoutTraining).isSuperset(of: fixture.testOnlyItems))
        #expect(again.itemsWithoutTraining == ds.itemsWithoutTraining)
        #expect(other.itemsWithoutTraining != ds.itemsWithoutTraining)
        for id in ds.items.externalIDs { #expect(!held.contains(id)) }
        // Every interaction of a held-out item (all its users keep other training items) is a cold test pair.
        let cold = try #require(ds.coldTest)
        var coldPairs = 0
        for u in 0..<cold.numUsers { coldPairs += cold.items(of: u).filter { held.contains(ds.itemsWithoutTraining[Int($0)]) }.count }
        let basePairs = (0..<base.numUsers).reduce(0) { sum, u in
            sum + base.train.items(of: u).filter { held.contains(base.items[Int($0)]) }.count
                + base.test.items(of: u).filter { held.contains(base.items[Int($0)]) }.count
        }
        #expect(coldPairs == basePairs && coldPairs > 0)
        #expect(ds.numUsers == base.numUsers)
        // Strict mode refuses unseen test items, but not the ones held out on purpose.
        let dir = tmp.file("plain")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var inter = "user_id:token\titem_id:token\ttimestamp:float\n"
        for u in 0..<12 { for j in 0..<6 { inter += "u\(u)\tp\((u + j) % 10)\t\(j + 1)\n" } }
        try inter.write(to: dir.appendingPathComponent("plain.inter"), atomically: true, encoding: .utf8)
        var o = LoadOptions(format: .recbole, split: .ratioByTime(0.8), strict: true, seed: 1)
        _ = try DatasetLoader.load(path: dir.path, options: o)
        o.coldItems = 0.2
        let strict = try DatasetLoader.load(path: dir.path, options: o)
        #expect(strict.itemsWithoutTraining.count == 2 && (strict.coldTest?.count ?? 0) > 0)
    }

    /// Files that come split cannot hold items out: refused with the reason.
    @Test func givenFilesRefuseColdItems() throws {
        let tmp = TempDir()
        let dir = tmp.file("lgcn")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "0 1 2\n1 2 3\n".write(to: dir.appendingPathComponent("train.txt"), atomically: true, encoding: .utf8)
        try "0 3\n1 1\n".write(to: dir.appendingPathComponent("test.txt"), atomically: true, encoding: .utf8)
        var o = LoadOptions(format: .lightgcn)
        o.coldItems = 0.2
        do {
            _ = try DatasetLoader.load(path: dir.path, options: o)
            Issue.record("cold items on given files were accepted")
        } catch {
            #expect("\(error)".contains("--cold-items"), "\(error)")
        }
    }

    /// Cold validation items lose their training and validation pairs to `coldValidation`; the
    /// known interactions, and so the data's fingerprint, stay the same.
    @Test func coldValidationItemsAreCarvedOutOfTraining() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let ds = try load(fixture, cold: 0.25).carvingValidation(fraction: 0.2, seed: 1)
        let carved = ds.carvingColdValidationItems(fraction: 0.25, seed: 1)
        let cv = try #require(carved.coldValidation)
        let coldItems = Set(cv.items)
        #expect(coldItems.count == Int((0.25 * Double(ds.train.itemCounts().filter { $0 > 0 }.count)).rounded()))
        let counts = carved.train.itemCounts(), validCounts = carved.validation!.itemCounts()
        for i in coldItems { #expect(counts[Int(i)] == 0 && validCounts[Int(i)] == 0) }
        #expect(carved.knownInteractions == ds.knownInteractions)
        #expect(carved.fingerprint == ds.fingerprint)
        #expect(ds.carvingColdValidationItems(fraction: 0.25, seed: 1).coldValidation == cv, "seeded")
    }
}
