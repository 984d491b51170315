import TestSupport
import Foundation
import Testing
@testable import Datasets

@Suite struct ValidationCarvingTests {
    @Test func carvesFromTrainOnlyAndKeepsOneItem() {
        let d = SyntheticData.make(users: 50, items: 80, clusters: 4, interactionsPerUser: 12, seed: 5)
        let v = d.carvingValidation(fraction: 0.25, seed: 9)
        let validation = try! #require(v.validation)
        #expect(v.test == d.test)
        #expect(v.train.count + validation.count == d.train.count)
        for u in 0..<d.train.numUsers {
            let before = Set(d.train.items(of: u)), after = Set(v.train.items(of: u)), carved = Set(validation.items(of: u))
            #expect(after.isDisjoint(with: carved))
            #expect(after.union(carved) == before)
            if before.count >= 2 { #expect(!after.isEmpty) }
        }
        let share = Double(validation.count) / Double(d.train.count)
        #expect(share > 0.18 && share < 0.32)
        #expect(v.notes.last?.hasPrefix("carved \(validation.count) validation interactions") == true)
    }

    @Test func deterministicInSeed() {
        let d = SyntheticData.make(users: 30, items: 40, clusters: 3, interactionsPerUser: 8, seed: 1)
        #expect(d.carvingValidation(fraction: 0.2, seed: 4).validation == d.carvingValidation(fraction: 0.2, seed: 4).validation)
        #expect(d.carvingValidation(fraction: 0.2, seed: 4).validation != d.carvingValidation(fraction: 0.2, seed: 5).validation)
    }

    @Test func singleItemUsersKeepTheirItem() {
        let train = Interactions(numUsers: 2, numItems: 3, lists: [[1], [0, 2]])
        let d = Dataset(name: "t", users: IDMap(["a", "b"]), items: IDMap(["x", "y", "z"]),
                        train: train, test: .empty(numUsers: 2, numItems: 3))
        let v = d.carvingValidation(fraction: 0.9, seed: 0)
        #expect(itemList(v.train, 0) == [1])
        #expect(v.train.degree(of: 1) == 1)
        #expect(v.validation?.degree(of: 1) == 1)
    }

    @Test func loaderOptionCarvesValidation() throws {
        let dir = TempDir()
        dir.write("train.txt", "0 0 1 2 3 4 5 6 7 8 9\n1 0 1 2 3\n")
        dir.write("test.txt", "0 1\n")
        let d = try DatasetLoader.load(path: dir.path, options: LoadOptions(seed: 2, validationFraction: 0.5))
        #expect(d.validation != nil)
        #expect(d.train.count + (d.validation?.count ?? 0) == 14)
        #expect((d.validation?.count ?? 0) >= 5)
    }
}

@Suite struct DatasetInfoTests {
    @Test func statisticsAndReport() {
        // Items 0..4; user degrees 1, 2, 3, 4; item 4 is cold.
        let train = Interactions(numUsers: 4, numItems: 5, lists: [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]])
        let test = Interactions(numUsers: 4, numItems: 5, lists: [[1], [], [], [3]])
        let d = Dataset(name: "tiny", users: IDMap(["a", "b", "c", "d"]), items: IDMap((0..<5).map(String.init)),
                        train: train, test: test, notes: ["hello"])
        let info = DatasetInfo(d)
        #expect(info.numUsers == 4 && info.numItems == 5)
        #expect(info.trainCount == 10 && info.testCount == 2 && info.validationCount == nil)
        #expect(abs(info.density - 12.0 / 20.0) < 1e-12)
        #expect(info.userDegreeQuantiles == [1, 2, 3, 3, 4, 4, 4])
        #expect(info.itemDegreeQuantiles == [0, 1, 2, 3, 4, 4, 4])
        #expect(info.coldUsers == 0 && info.coldItems == 1 && info.rareItems == 5)
        #expect(info.testUsers == 2)
        let text = info.description
        #expect(text.contains("dataset tiny"))
        #expect(text.contains("train interactions"))
        #expect(text.contains("density"))
        #expect(text.contains("0.600000"))
        #expect(text.contains("99%"))
        #expect(text.contains("  - hello"))
        #expect(DatasetInfo.grouped(1_234_567) == "1,234,567")
        #expect(DatasetInfo.grouped(12) == "12")
    }
}
