import Foundation
import Testing
@testable import Datasets

/// Checks against the shared benchmark copy; skipped when the files are not on this machine.
@Suite struct RealDataTests {
    static let gowalla = "/work/shared/data/gowalla"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: RealDataTests.gowalla + "/train.txt")))
    func gowallaMatchesPublishedStatistics() throws {
        let d = try DatasetLoader.load(path: Self.gowalla, options: LoadOptions())
        #expect(d.users.count == 29_858)
        #expect(d.items.count == 40_981)
        #expect(d.train.count == 810_128)
        #expect(d.test.count == 217_242)
        #expect(d.notes.isEmpty, "\(d.notes)")
        let info = DatasetInfo(d)
        #expect(String(format: "%.6f", info.density) == "0.000840")
        #expect(info.coldUsers == 0 && info.coldItems == 0)
    }

    @Test(.enabled(if: DataFetcher.locate(.ml100k) != nil))
    func cachedMovieLens100K() throws {
        let dir = try #require(DataFetcher.locate(.ml100k))
        let d = try DatasetLoader.load(path: dir.path, options: LoadOptions(split: .leaveOneOutByTime))
        #expect(d.users.count == 943)
        #expect(d.train.count + d.test.count <= 100_000)
        #expect(d.test.count > 900)
    }
}
