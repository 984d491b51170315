import Foundation
import Testing
import TestSupport

/// Errors a person can read: one sentence with the path for file-system errors, and the
/// subcommand's usage (not the top level's) for a setting refused while running.
@Suite(.serialized) struct ErrorMessageCLITests {
    @Test func anUnwritableOutputNamesThePathAndTheReason() throws {
        let tmp = TempDir()
        let file = tmp.file("plain-file")
        try Data("x".utf8).write(to: file)
        // A folder inside a regular file: no user, root included, can create it.
        let (code, _, err) = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--output", file.appendingPathComponent("run").path])
        #expect(code == 1, "exit \(code)")
        #expect(err.contains("Error: cannot write \(file.path)") && err.contains("a part of the path is a file, not a folder"), "\(err)")
        #expect(!err.contains("NSCocoaErrorDomain") && !err.contains("UserInfo"), "\(err)")
    }

    @Test func aSettingRefusedWhileRunningShowsTheSubcommandsUsage() throws {
        let tmp = TempDir()
        // `--holdout` is checked in run(), after parsing.
        let (code, _, err) = try CLI.run(["bench", "assign", "--msac", tmp.url.path, "--holdout", "1.5"])
        #expect(code == 64, "exit \(code)")
        #expect(err.contains("--holdout must lie in (0, 1)"), "\(err)")
        #expect(err.contains("Usage: esans bench assign") && err.contains("See 'esans bench assign --help'"), "\(err)")
        #expect(!err.contains("Usage: esans <subcommand>"), "\(err)")
    }

    @Test func aMissingFileIsOneSentence() throws {
        let tmp = TempDir()
        let (code, _, err) = try CLI.run(["bench", "assign", "--msac", tmp.file("none").path])
        #expect(code != 0)
        #expect(err.hasPrefix("Error: ") && err.split(separator: "\n").count <= 2, "\(err)")
        #expect(!err.contains("NSCocoaErrorDomain"), "\(err)")
    }
}
