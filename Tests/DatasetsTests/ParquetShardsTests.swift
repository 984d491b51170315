import Foundation
import Testing
import TestSupport
@testable import Datasets

/// `scripts/parquet_to_shards.py` end to end: a Parquet file written by DuckDB from a CSV log,
/// converted to shards, loads like the CSV itself. Runs only where `python3` imports duckdb.
@Suite struct ParquetShardsTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/parquet_to_shards.py")

    /// Runs `python3 args` and returns its exit code and standard error.
    static func python(_ args: [String], in dir: URL? = nil) -> (code: Int32, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        if let dir { p.currentDirectoryURL = dir }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { return (-1, "\(error)") }
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    static let duckdb = python(["-c", "import duckdb, numpy"]).code == 0

    /// Interleaved users with integer and string ids, ties in time and a repeated pair.
    static func csv(_ tmp: TempDir) -> String {
        var lines = ["user,item,timestamp"]
        for k in 0..<300 {
            let user = k % 3 == 0 ? "\((k * 7) % 23)" : "u\((k * 5) % 19)"
            lines.append("\(user),item\((k * 13 + k / 7) % 41),\(1_600_000_000 + (k * 31) % 97)")
        }
        lines.append(lines[5])
        return tmp.write("log.csv", lines.joined(separator: "\n") + "\n")
    }

    @Test(.enabled(if: duckdb, "python3 cannot import duckdb and numpy (pip install duckdb numpy): the Parquet converter is not run"),
          arguments: [1, 3])
    func parquetShardsLoadLikeTheCSV(shards: Int) throws {
        let tmp = TempDir()
        let csv = Self.csv(tmp)
        let make = Self.python(["-c", """
            import duckdb
            duckdb.sql("COPY (SELECT * FROM read_csv('log.csv', header=true, columns={'user':'VARCHAR','item':'VARCHAR','timestamp':'BIGINT'})) TO 'log.parquet' (FORMAT parquet)")
            """], in: tmp.url)
        try #require(make.code == 0, "writing the Parquet file: \(make.err)")
        let out = tmp.url.appendingPathComponent("shards")
        let run = Self.python([Self.script.path, "log.parquet", "--shards", "\(shards)", "--output", out.path], in: tmp.url)
        try #require(run.code == 0, "parquet_to_shards.py: \(run.err)")
        #expect(DataFormat.detect(path: out.path) == .sharded)
        for split in [Split.ratioByTime(0.8), .leaveOneOutByTime, .randomRatio(0.6)] {
            let options = LoadOptions(split: split, dedupe: true, seed: 9)
            let expected = try DatasetLoader.load(path: csv, options: options)
            let got = try DatasetLoader.load(path: out.path, options: options)
            #expect(got.users == expected.users && got.items == expected.items, "\(split): ids")
            #expect(got.train == expected.train && got.test == expected.test, "\(split): pairs")
            #expect(got.train.count > 150 && got.test.count > 0)
        }
        // The script refuses to overwrite, and leaves nothing half-written.
        let again = Self.python([Self.script.path, "log.parquet", "--shards", "2", "--output", out.path], in: tmp.url)
        #expect(again.code != 0 && again.err.contains("exists"), "\(again.err)")
        let missing = Self.python([Self.script.path, "log.parquet", "--shards", "2", "--output", "x", "--user-column", "who"], in: tmp.url)
        #expect(missing.code != 0 && missing.err.contains("no user column 'who'"), "\(missing.err)")
        let names = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        #expect(!names.contains("x") && !names.contains { $0.hasPrefix(".") }, "\(names)")
    }
}
