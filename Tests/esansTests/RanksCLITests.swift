import Foundation
import Testing
import TestSupport

/// How the CLI behaves when launched as MPI ranks, checked without MPI: the launchers'
/// variables are set by hand and the library path points at nothing. (The real multi-rank
/// runs are scripts/mpi-tests.sh.)
@Suite(.serialized) struct RanksCLITests {
    static func environment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMI") && $0.key != "ESANS_MPI" }
            .merging(extra) { _, b in b }
    }

    @Test func evaluateWritesItsMetricsAndRefusesBadOptions() throws {
        let tmp = TempDir()
        let run = tmp.file("run")
        let trained = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--validation", "0", "--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        let out = tmp.file("m.json")
        let evaluated = try CLI.run(["evaluate", "--run", run.path, "--cutoffs", "5,10", "--output", out.path])
        #expect(evaluated.code == 0 && evaluated.out.contains("wrote"), "\(evaluated.err)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any]
        let final = json?["final"] as? [String: Double]
        #expect(Set(final?.keys.map { $0 } ?? []) == ["recall@5", "recall@10", "ndcg@5", "ndcg@10", "hit@5", "hit@10", "mrr@5", "mrr@10"])
        // One process announced as the only rank evaluates as usual, with the same numbers.
        let again = tmp.file("again.json")
        let alone = try CLI.run(["evaluate", "--run", run.path, "--cutoffs", "5,10", "--output", again.path],
                                environment: Self.environment(["OMPI_COMM_WORLD_SIZE": "1", "ESANS_MPI_LIBRARY": "/nonexistent/libmpi.so.40"]))
        #expect(alone.code == 0, "\(alone.err)")
        #expect(try Data(contentsOf: again) == Data(contentsOf: out))
        for bad in [["--threads", "-1"], ["--cutoffs", "5,x"]] {
            let r = try CLI.run(["evaluate", "--run", run.path] + bad)
            #expect(r.code == 64 && r.err.contains("Usage: esans evaluate"), "\(bad): \(r.err)")
        }
    }

    /// Launched as one of 2 ranks: evaluate needs MPI and says what to install; a one-process
    /// command refuses to start (it would repeat the job on each rank); ESANS_MPI=0 runs the
    /// process on its own anyway (here: on to the missing run directory).
    @Test func launchedAsSeveralRanks() throws {
        let tmp = TempDir()
        let two = Self.environment(["OMPI_COMM_WORLD_SIZE": "2", "ESANS_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
        let evaluated = try CLI.run(["evaluate", "--run", tmp.file("run").path], environment: two)
        #expect(evaluated.code == 64 && evaluated.err.contains("launched as one of 2 MPI ranks")
                && evaluated.err.contains("apt-get install libopenmpi-dev"), "\(evaluated.err)")
        let trained = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--output", tmp.file("run").path], environment: two)
        #expect(trained.code == 64 && trained.err.contains("`esans train` runs in one process"), "\(trained.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("run").path))
        var off = two
        off["ESANS_MPI"] = "0"
        let alone = try CLI.run(["evaluate", "--run", tmp.file("run").path], environment: off)
        #expect(alone.code != 0 && alone.err.contains("not found") && !alone.err.contains("MPI"), "\(alone.err)")
    }
}
