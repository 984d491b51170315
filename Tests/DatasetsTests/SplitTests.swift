import TestSupport
import Foundation
import Testing
@testable import Datasets

@Suite struct SplitTests {
    /// 20 users x 10 items each, timestamps descending in file order; user u likes items u..u+9.
    func bigCSV() -> (TempDir, String) {
        let dir = TempDir()
        var text = "user_id,item_id,timestamp\n"
        for u in 0..<20 { for k in 0..<10 { text += "\(u),\(u + k),\(1000 - k)\n" } }
        return (dir, dir.write("big.csv", text))
    }

    @Test func ratioByTimePutsEarliestInTrain() throws {
        let (dir, path) = bigCSV()
        _ = dir
        let d = try DatasetLoader.load(path: path, options: LoadOptions(split: .ratioByTime(0.8)))
        // Timestamps fall with k, so the earliest are k = 2...9 (items 7...14) -> train; k = 0, 1 (items 5, 6) -> test.
        #expect(externalItems(d, d.train, user: "5") == (7...14).map(String.init).sorted())
        #expect(externalItems(d, d.test, user: "5") == ["5", "6"])
        #expect(d.train.count == 160)
    }

    @Test func ratioByTimeBreaksTiesByFileOrder() throws {
        let dir = TempDir()
        let path = dir.write("t.csv", "user_id,item_id,timestamp\nu,a,5\nu,b,5\nu,c,5\nu,d,5\nu,e,5\nv,e,1\n")
        let d = try DatasetLoader.load(path: path, options: LoadOptions(split: .ratioByTime(0.8)))
        #expect(externalItems(d, d.train, user: "u") == ["a", "b", "c", "d"])
        #expect(externalItems(d, d.test, user: "u") == ["e"])
    }

    @Test func randomRatioIsDeterministicInSeedAndKeepsShares() throws {
        let (dir, path) = bigCSV()
        _ = dir
        let a = try DatasetLoader.load(path: path, options: LoadOptions(split: .randomRatio(0.7), seed: 11))
        let b = try DatasetLoader.load(path: path, options: LoadOptions(split: .randomRatio(0.7), seed: 11))
        let c = try DatasetLoader.load(path: path, options: LoadOptions(split: .randomRatio(0.7), seed: 12))
        #expect(a.train == b.train && a.test == b.test)
        #expect(a.train != c.train)
        for u in 0..<a.users.count { #expect(a.train.degree(of: u) == 7) }
        // Every test pair is disjoint from train.
        for u in 0..<a.users.count {
            for item in a.test.items(of: u) { #expect(!a.train.contains(user: u, item: item)) }
        }
    }

    @Test func givenFilesNeedsTwoFiles() throws {
        let (dir, path) = bigCSV()
        _ = dir
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: path, options: LoadOptions(split: .givenFiles)) }
        #expect(error?.message.contains("separate train and test files") == true)
        #expect(throws: DataError.self) { try DatasetLoader.load(path: path, options: LoadOptions(split: .randomRatio(0))) }
    }

    @Test func formatDetection() throws {
        let dir = TempDir()
        dir.write("lg/train.txt", "0 1\n")
        dir.write("rb/rb.inter", "user_id:token\titem_id:token\n")
        #expect(DataFormat.detect(path: dir.path + "/lg") == .lightgcn)
        #expect(DataFormat.detect(path: dir.path + "/rb") == .recbole)
        #expect(DataFormat.detect(path: dir.write("x.tsv", "a\tb\n")) == .tsv)
        #expect(DataFormat.detect(path: dir.write("x.csv", "a,b\n")) == .csv)
        #expect(DataFormat.detect(path: dir.path + "/none") == nil)
        #expect(throws: DataError.self) { try DatasetLoader.load(path: dir.write("x.bin", "??")) }
    }
}
