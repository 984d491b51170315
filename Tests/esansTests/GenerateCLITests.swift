import Foundation
import Testing
import TestSupport

/// `esans data generate`, and `data info` reading what it wrote.
@Suite(.serialized) struct GenerateCLITests {
    @Test func generateThenInfo() throws {
        let tmp = TempDir()
        let out = tmp.file("gen").path
        let args = ["data", "generate", "--users", "500", "--items", "800", "--interactions", "6000", "--clusters", "8",
                    "--shards", "3", "--seed", "5", "--output", out]
        let gen = try CLI.run(args)
        #expect(gen.code == 0, "\(gen.err)")
        #expect(gen.out.contains("3 shards (user % 3) of 500 users, 800 items,") && gen.out.contains("(target 6,000)"), "\(gen.out)")
        let info = try CLI.run(["data", "info", "--data", out])
        #expect(info.code == 0 && info.out.contains("read 3 memory-mapped shards"), "\(info.err)")
        let again = try CLI.run(args)
        #expect(again.code == 64 && again.err.contains("--force"), "\(again.err)")
        let manifest = try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("manifest.json"))
        #expect(try CLI.run(args + ["--force"]).code == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("manifest.json")) == manifest)
    }

    @Test func badValuesAreRefusedWithTheUsage() throws {
        let tmp = TempDir()
        let out = tmp.file("gen").path
        let few = try CLI.run(["data", "generate", "--users", "10", "--items", "50", "--interactions", "19", "--output", out])
        #expect(few.code == 64 && few.err.contains("--interactions") && few.err.contains("Usage: esans data generate"), "\(few.err)")
        let share = try CLI.run(["data", "generate", "--users", "10", "--items", "50", "--interactions", "40", "--test-share", "1", "--output", out])
        #expect(share.code == 64 && share.err.contains("--test-share"), "\(share.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let help = try CLI.run(["data", "generate", "--help"])
        #expect(help.code == 0 && help.out.contains("Zipf") && help.out.contains("u % S"), "\(help.out)")
    }
}
