import Foundation
import Testing
import TestSupport

/// `esans export --to pgvector` and `esans serve --backend pgvector` as a user runs them:
/// bad options are refused with the usage, an unreachable server is named (without the
/// password), and with `ESANS_TEST_PG_DSN` a real export.
@Suite(.serialized) struct VectorDBCLITests {
    @Test(arguments: [
        (["export", "--run", "R", "--to", "faiss"], "--to must be files, pgvector or milvus"),
        (["export", "--run", "R", "--to", "pgvector", "--table", "Bad-Name"], "--table"),
        (["export", "--run", "R", "--to", "pgvector", "--index", "annoy"], "--index must be flat, hnsw or ivfflat"),
        (["export", "--run", "R", "--to", "pgvector", "--partitions", "-1"], "--partitions"),
        (["export", "--run", "R", "--to", "pgvector", "--output", "O"], "--output goes with --to files"),
        (["export", "--run", "R", "--dsn", "host=x"], "--dsn goes with --to pgvector"),
        (["serve", "--run", "R", "--backend", "faiss"], "--backend must be local, pgvector or milvus"),
        (["serve", "--run", "R", "--dsn", "host=x"], "--dsn goes with --backend pgvector"),
        (["serve", "--run", "R", "--backend", "pgvector", "--ef-search", "0"], "--ef-search"),
    ])
    func badOptionsAreRefusedWithTheUsage(_ args: [String], _ message: String) throws {
        let (code, _, err) = try CLI.run(args)
        #expect(code == 64, "\(args): exit \(code)")
        #expect(err.contains(message) && err.contains("Usage: esans \(args[0])"), "\(err)")
    }

    @Test func anUnreachableServerIsNamedWithoutItsPassword() throws {
        let tmp = TempDir()
        let run = tmp.file("run")
        let trained = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--negatives", "16",
                                   "--validation", "0", "--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        // Port 1 on loopback: refused at once.
        let dsn = "postgresql://esans:s3cret@127.0.0.1:1/db?connect_timeout=5"
        let export = try CLI.run(["export", "--run", run.path, "--to", "pgvector", "--dsn", dsn])
        #expect(export.code == 1, "exit \(export.code): \(export.err)")
        // Without libpq on the machine the message says how to install it instead.
        #expect(export.err.contains("cannot connect to PostgreSQL (postgresql://esans:***@127.0.0.1:1/db") || export.err.contains("libpq"),
                "\(export.err)")
        #expect(!export.err.contains("s3cret"))
        let serve = try CLI.run(["serve", "--run", run.path, "--backend", "pgvector", "--dsn", dsn, "--port", "0"])
        #expect(serve.code != 0 && !serve.err.contains("s3cret"), "\(serve.err)")
        #expect(serve.err.contains("cannot connect to PostgreSQL") || serve.err.contains("libpq"), "\(serve.err)")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["ESANS_TEST_PG_DSN"] != nil))
    func exportsIntoARealServer() throws {
        let dsn = ProcessInfo.processInfo.environment["ESANS_TEST_PG_DSN"] ?? ""
        let tmp = TempDir()
        let run = tmp.file("run")
        let trained = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--negatives", "16",
                                   "--validation", "0", "--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        let (code, out, err) = try CLI.run(["export", "--run", run.path, "--to", "pgvector", "--dsn", dsn,
                                            "--table", "esans_cli_test", "--index", "flat"])
        #expect(code == 0, "\(err)")
        #expect(out.contains("into pgvector table esans_cli_test (flat)") && out.contains("without semantic IDs"), "\(out)")
        // A run of the same data and dimension but another model is refused at startup.
        let other = tmp.file("other")
        let retrained = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--negatives", "16",
                                     "--validation", "0", "--lr", "0.05", "--output", other.path])
        #expect(retrained.code == 0, "\(retrained.err)")
        let serve = try CLI.run(["serve", "--run", other.path, "--backend", "pgvector", "--dsn", dsn, "--table", "esans_cli_test", "--port", "0"])
        #expect(serve.code != 0 && serve.err.contains("holds another vector"), "\(serve.err)")
    }
}
