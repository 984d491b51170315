import TestSupport
import Foundation
import Testing
@testable import Datasets

/// Issue 16: input quoted in an error shows printable characters only and at most 80 of
/// them, so that a binary file given as a CSV gives a short, readable error.
@Suite struct InputExcerptTests {
    @Test func excerptsArePrintableAndCutAt80() {
        #expect(DataError.quote("user_id") == "'user_id'")
        #expect(DataError.quote("a\u{0}b\u{1B}[2Jc\td\u{7F}") == "'a?b?[2Jc?d?'")
        #expect(DataError.quote("Café 東京") == "'Café 東京'", "printable non-ASCII text stays")
        let bytes: [UInt8] = [0x41, 0xFF, 0xFE, 0x42]
        #expect(DataError.quote(String(decoding: bytes, as: UTF8.self)) == "'A??B'", "bytes that are not UTF-8")
        let long = String(repeating: "x", count: 200)
        #expect(DataError.quote(long) == "'" + String(repeating: "x", count: 80) + "...'")
        #expect(DataError.quote(String(repeating: "y", count: 80)) == "'" + String(repeating: "y", count: 80) + "'")
        let names = (1...20).map { "c\($0)" }
        #expect(DataError.quoteList(names) == (1...12).map { "'c\($0)'" }.joined(separator: ", ") + " and 8 more")
        #expect(DataError.quoteList(["a\u{0}", "b"], quoted: false) == "a?, b")
    }

    /// A binary file read as a CSV: the error names the file and line and stays short and
    /// printable (it was about 5.5 KB of raw bytes).
    @Test(arguments: [UInt64(1), 2, 3])
    func aBinaryFileGivesAShortPrintableError(seed: UInt64) throws {
        let dir = TempDir()
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        let bytes: [UInt8] = (0..<6000).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let b = UInt8(truncatingIfNeeded: state >> 56)
            return i % 97 == 0 ? UInt8(ascii: ",") : (i % 1500 == 1499 ? UInt8(ascii: "\n") : b)
        }
        let url = dir.file("blob.csv")
        try Data(bytes).write(to: url)
        do {
            _ = try DatasetLoader.load(path: url.path, options: LoadOptions(split: .leaveOneOutByTime))
            Issue.record("a binary file loaded")
        } catch let error as DataError {
            let text = error.description
            #expect(text.hasPrefix("blob.csv:"), "\(text)")
            #expect(text.count < 1500, "\(text.count) characters")
            let bad = text.filter { !DataError.isPrintable($0) }
            #expect(bad.isEmpty, "unprintable characters \(bad.unicodeScalars.map { $0.value })")
        }
    }
}
