import Foundation
import Testing
import TestSupport

/// Issue 16: a command that fails leaves no partial output. One case per command that writes
/// a run or an output folder, each failing on input found bad only after the data is read:
/// the command exits non-zero, names the file at fault, and its --output does not exist.
@Suite(.serialized) struct NoPartialOutputCLITests {
    /// A ratings CSV of 60 users over 80 items (15 each), with ratings and timestamps.
    static func ratings(_ tmp: TempDir, badRatingAtLine: Int? = nil) -> String {
        var lines = ["user,item,rating,timestamp"]
        for u in 0..<60 {
            for j in 0..<15 { lines.append("u\(u),i\((u * 7 + j * 5) % 80),\((u + j) % 5 + 1),\(1000 + u * 31 + j * 17)") }
        }
        if let n = badRatingAtLine { lines.insert("u1,i2,abc,12", at: n - 1) }
        return tmp.write(badRatingAtLine == nil ? "ratings.csv" : "badrating.csv", lines.joined(separator: "\n") + "\n")
    }

    /// Semantic IDs that cannot be used: a bad field on line 3, or an ID for only two items.
    static func badIDs(_ tmp: TempDir) -> [(path: String, message: String)] {
        [(tmp.write("bad_ids.tsv", "item_id\tprimary\tsecondary\ni1\t0\t0\nzzz\tx\t1\n"), "bad_ids.tsv:3: 2 (primary): 'x' is not a non-negative integer"),
         (tmp.write("few_ids.tsv", "item_id\tprimary\tsecondary\ni1\t0\t0\ni2\t1\t1\n"), "items of the dataset have no semantic ID")]
    }

    /// Runs `args` + `--output out`; expects a failure whose message holds `expected`, and no `out`.
    static func expectNothingWritten(_ args: [String], output out: URL, _ expected: String,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (code, stdout, err) = try CLI.run(args + ["--output", out.path])
        #expect(code != 0, "\(args): exit 0\n\(stdout)", sourceLocation: sourceLocation)
        #expect(err.contains(expected), "\(args): \(err)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: out.path), "\(args) left \(out.lastPathComponent) behind",
                sourceLocation: sourceLocation)
    }

    /// `train --sampler esans` on semantic IDs it cannot use: no run folder, no config.json.
    @Test func trainWithUnusableSemanticIDsWritesNothing() throws {
        let tmp = TempDir()
        let csv = Self.ratings(tmp)
        for (ids, message) in Self.badIDs(tmp) {
            try Self.expectNothingWritten(["train", "--data", csv, "--sampler", "esans", "--semantic-ids", ids, "--epochs", "1", "--dim", "8"],
                                          output: tmp.file("run"), message)
        }
    }

    /// `compare` and `sweep` check the semantic IDs before the first run: they used to train
    /// the UNS runs (three seeds) into runs/ and stop at the first ESANS run.
    @Test func experimentsWithUnusableSemanticIDsWriteNothing() throws {
        let tmp = TempDir()
        let csv = Self.ratings(tmp)
        for (ids, message) in Self.badIDs(tmp) {
            try Self.expectNothingWritten(["compare", "--data", csv, "--samplers", "uns,esans", "--semantic-ids", ids, "--epochs", "1", "--dim", "8"],
                                          output: tmp.file("compare"), message)
            try Self.expectNothingWritten(["sweep", "--data", csv, "--param", "lambda", "--values", "0,0.1", "--semantic-ids", ids,
                                           "--epochs", "1", "--dim", "8"], output: tmp.file("sweep"), message)
        }
    }

    /// `cluster` with an imported modality it cannot read, `baseline` on a bad rating at line 501.
    @Test func clusterAndBaselineOnBadInputWriteNothing() throws {
        let tmp = TempDir()
        let csv = Self.ratings(tmp)
        try Self.expectNothingWritten(["cluster", "--data", csv, "--import", "foo=" + tmp.file("missing.npy").path, "--kp", "4", "--ks", "2"],
                                      output: tmp.file("msac"), "missing.npy")
        let bad = Self.ratings(tmp, badRatingAtLine: 501)
        try Self.expectNothingWritten(["baseline", "--data", bad, "--method", "pop", "--min-rating", "3"],
                                      output: tmp.file("baseline"), "badrating.csv:501: field 3 (rating): 'abc' is not a number")
    }

    /// On a trained run: `export` with semantic IDs that are not there, `recommend` for an
    /// unknown user (no file, no folder for it) and `index build` with a missing MSAC folder.
    @Test func exportRecommendAndIndexOnBadInputWriteNothing() throws {
        let tmp = TempDir()
        let csv = Self.ratings(tmp)
        let run = tmp.file("run")
        let trained = try CLI.run(["train", "--data", csv, "--epochs", "1", "--dim", "8", "--negatives", "16", "--validation", "0", "--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        let nowhere = tmp.file("no-msac").path
        try Self.expectNothingWritten(["export", "--run", run.path, "--msac", nowhere], output: tmp.file("export"), "no-msac")
        let users = tmp.write("users.txt", "u1\nnobody\n")
        try Self.expectNothingWritten(["recommend", "--run", run.path, "--k", "5", "--users", users],
                                      output: tmp.file("recs").appendingPathComponent("top.tsv"), "users.txt:2: unknown user id 'nobody'")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("recs").path), "recommend made the output's folder")
        try Self.expectNothingWritten(["index", "build", "--run", run.path, "--msac", nowhere], output: tmp.file("index"), "no-msac")
    }
}
