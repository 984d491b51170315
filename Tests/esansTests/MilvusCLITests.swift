import Foundation
import Testing
import TestSupport

/// `esans export --to milvus` and `esans serve --backend milvus` as a user runs them: bad
/// options are refused with the usage, an unreachable server is named, and with
/// `ESANS_TEST_MILVUS_ADDRESS` a real export and a refused run.
@Suite(.serialized) struct MilvusCLITests {
    @Test(arguments: [
        (["export", "--run", "R", "--to", "milvus", "--collection", "Bad-Name"], "--collection"),
        (["export", "--run", "R", "--to", "milvus", "--index", "ivfflat2"], "--index must be flat, hnsw or ivf-flat"),
        (["export", "--run", "R", "--to", "milvus", "--partitions", "2000"], "--partitions must be in 0...1024"),
        (["export", "--run", "R", "--to", "milvus", "--address", "localhost"], "--address: expected host:port"),
        (["export", "--run", "R", "--to", "milvus", "--output", "O"], "--output goes with --to files"),
        (["export", "--run", "R", "--to", "milvus", "--dsn", "host=x"], "--dsn goes with --to pgvector"),
        (["serve", "--run", "R", "--backend", "milvus", "--address", "h:0"], "--address: expected host:port"),
        (["serve", "--run", "R", "--backend", "milvus", "--collection", "9lives"], "--collection"),
    ])
    func badOptionsAreRefusedWithTheUsage(_ args: [String], _ message: String) throws {
        let (code, _, err) = try CLI.run(args)
        #expect(code == 64, "\(args): exit \(code)")
        #expect(err.contains(message) && err.contains("Usage: esans \(args[0])"), "\(err)")
    }

    static func train(_ dir: URL, lr: String = "0.1") throws {
        let trained = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--negatives", "16",
                                   "--validation", "0", "--lr", lr, "--output", dir.path])
        #expect(trained.code == 0, "\(trained.err)")
    }

    @Test func anUnreachableServerIsNamed() throws {
        let tmp = TempDir()
        let run = tmp.file("run")
        try Self.train(run)
        // Port 1 on loopback: refused at once.
        let export = try CLI.run(["export", "--run", run.path, "--to", "milvus", "--address", "127.0.0.1:1"])
        #expect(export.code == 1, "exit \(export.code): \(export.err)")
        // Without libgrpc on the machine the message says how to install it instead.
        #expect(export.err.contains("cannot reach Milvus at 127.0.0.1:1") || export.err.contains("gRPC unavailable"), "\(export.err)")
        let serve = try CLI.run(["serve", "--run", run.path, "--backend", "milvus", "--address", "127.0.0.1:1", "--port", "0"])
        #expect(serve.code != 0, "\(serve.err)")
        #expect(serve.err.contains("cannot reach Milvus at 127.0.0.1:1") || serve.err.contains("gRPC unavailable"), "\(serve.err)")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["ESANS_TEST_MILVUS_ADDRESS"] != nil))
    func exportsIntoARealServer() throws {
        let address = ProcessInfo.processInfo.environment["ESANS_TEST_MILVUS_ADDRESS"] ?? ""
        let tmp = TempDir()
        let run = tmp.file("run")
        try Self.train(run)
        let (code, out, err) = try CLI.run(["export", "--run", run.path, "--to", "milvus", "--address", address,
                                            "--collection", "esans_cli_test", "--index", "flat"])
        #expect(code == 0, "\(err)")
        #expect(out.contains("behind the alias esans_cli_test") && out.contains("(flat)") && out.contains("without semantic IDs"), "\(out)")
        // A run of the same data and dimension but another model is refused at startup.
        let other = tmp.file("other")
        try Self.train(other, lr: "0.05")
        let serve = try CLI.run(["serve", "--run", other.path, "--backend", "milvus", "--address", address,
                                 "--collection", "esans_cli_test", "--port", "0"])
        #expect(serve.code != 0 && serve.err.contains("holds another vector"), "\(serve.err)")
    }
}
