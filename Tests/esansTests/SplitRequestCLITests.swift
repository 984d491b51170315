import Foundation
import Testing
import TestSupport

/// Issue 16: a split asked for is honoured or refused, never swapped for another. A split by
/// time on a file without timestamps fails (nothing written) and says what is missing and how
/// to fix it; the format's default split may fall back, with a note in the user's words.
@Suite(.serialized) struct SplitRequestCLITests {
    /// Names of `Split` cases, which no user-facing text may show.
    static let caseNames = ["ratioByTime", "randomRatio", "givenFiles", "leaveOneOutByTime"]

    /// A CSV of 12 users over 30 items, with a rating column and no timestamp.
    static func writeUntimedCSV(_ tmp: TempDir) -> String {
        let rows = (0..<12).flatMap { u in (0..<8).map { k in "u\(u),i\((u * 3 + k * 7) % 30),\(k % 5 + 1)" } }
        return tmp.write("ratings.csv", "user,item,rating\n" + rows.joined(separator: "\n") + "\n")
    }

    @Test func aSplitByTimeWithoutTimestampsIsRefusedWhenAskedFor() throws {
        let tmp = TempDir()
        let csv = Self.writeUntimedCSV(tmp)
        let out = tmp.file("run")
        for command in [["train", "--epochs", "1", "--dim", "8", "--negatives", "8", "--output", out.path], ["data", "info"]] {
            let refused = try CLI.run(command + ["--data", csv, "--split", "time:0.8"])
            #expect(refused.code != 0, "\(command): \(refused.out)")
            #expect(refused.err.contains("ratings.csv: --split time:0.8") && refused.err.contains("no timestamp column")
                    && refused.err.contains("the header has 'user', 'item', 'rating'")
                    && refused.err.contains("--time-column NAME|INDEX") && refused.err.contains("--split random:0.8"), "\(refused.err)")
            for name in Self.caseNames { #expect(!(refused.out + refused.err).contains(name), "\(name) in \(refused.err)") }
            #expect(!FileManager.default.fileExists(atPath: out.path), "a refused split writes nothing")
        }
        // The split the message offers works.
        let random = try CLI.run(["data", "info", "--data", csv, "--split", "random:0.8"])
        #expect(random.code == 0 && random.out.contains("split random:0.8"), "\(random.err)")
    }

    @Test func theDefaultSplitFallsBackWithANoteInUserWords() throws {
        let tmp = TempDir()
        let csv = Self.writeUntimedCSV(tmp)
        let info = try CLI.run(["data", "info", "--data", csv, "--seed", "4"])
        #expect(info.code == 0, "\(info.err)")
        #expect(info.out.contains("no timestamp column: the header has 'user', 'item', 'rating' and none is named timestamp, time or ts")
                && info.out.contains("the default split time:0.8 (by time) became random:0.8") && info.out.contains("--time-column"), "\(info.out)")
        for name in Self.caseNames { #expect(!(info.out + info.err).contains(name), "\(name) in \(info.out)") }
        // One file with a split that needs two: the message names the split as it is written.
        let given = try CLI.run(["data", "info", "--data", csv, "--split", "given"])
        #expect(given.code != 0 && given.err.contains("the split 'given' needs separate train and test files")
                && given.err.contains("--split loo, time:RATIO or random:RATIO"), "\(given.err)")
        for name in Self.caseNames { #expect(!given.err.contains(name), "\(name) in \(given.err)") }
    }
}
