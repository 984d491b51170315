import Foundation
import Testing
import TestSupport

/// The memory a training run needs: `data info` reports it, `train` refuses a run that would
/// not fit before allocating it.
@Suite(.serialized) struct MemoryCLITests {
    /// `--dim 10^9` on the generated data claims 10^13-byte tables: refused at once, with the
    /// sizes, the estimate and the override named, and nothing written.
    @Test func trainRefusesARunLargerThanTheMachine() throws {
        let tmp = TempDir()
        let out = tmp.file("run")
        let start = Date()
        let (code, _, err) = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "1000000000", "--output", out.path])
        #expect(code == 1, "exit \(code): \(err)")
        for part in ["Error: training 1,500 users x 1,200 items", "dim 1000000000", "needs about", "more than this machine's",
                     "--ignore-memory-limit"] {
            #expect(err.contains(part), "\(part) missing from: \(err)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(Date().timeIntervalSince(start) < 60)
        let (helpCode, help, _) = try CLI.run(["train", "--help"])
        #expect(helpCode == 0 && help.contains("--ignore-memory-limit"))
    }

    /// `data info` ends with the estimate for the defaults, or for the options given.
    @Test func dataInfoReportsTheMemoryOfTraining() throws {
        let tmp = TempDir()
        var rows = ["user,item,ts"]
        for u in 0..<40 { for k in 0..<6 { rows.append("u\(u),i\((u * 7 + k * 3) % 30),\(k)") } }
        let csv = tmp.write("logs.csv", rows.joined(separator: "\n") + "\n")
        let (code, out, err) = try CLI.run(["data", "info", "--data", csv])
        #expect(code == 0, "\(err)")
        #expect(out.contains("memory: training with the defaults (dim 160, batch 1024, 1024 shared negatives, "), "\(out)")
        #expect(out.contains(" MB; this machine has ") && out.contains("peak in the "), "\(out)")
        let (code2, out2, err2) = try CLI.run(["data", "info", "--data", csv, "--dim", "64", "--negatives", "256", "--batch-size", "512", "--threads", "1"])
        #expect(code2 == 0, "\(err2)")
        #expect(out2.contains("memory: training with dim 64, batch 512, 256 shared negatives, 1 thread, refit (the rest at the defaults) needs about"), "\(out2)")
        let (code3, _, err3) = try CLI.run(["data", "info", "--data", csv, "--dim", "0"])
        #expect(code3 == 64 && err3.contains("--dim"), "\(err3)")
    }
}
