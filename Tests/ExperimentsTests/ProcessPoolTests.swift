import TestSupport
import Foundation
import NumCore
import Runs
import Testing
@testable import Experiments

/// The runs these tests train in-process leave the process's worker pool as it is.
///
/// All suites run in one test process, in parallel, on one `WorkerPool.shared`. These tests'
/// runs used to ask for one thread, and a run with `training.threads > 0` resizes that pool
/// for the whole process: a crash-consistency test of another suite going on at that moment
/// then recorded `threads` 1 in the metrics.json of the runs it compared with a reference run
/// that had recorded 2 (issue 15: "stopped after write 7 or later" differed, under load only,
/// when the two suites overlapped).
@Suite struct ProcessPoolTests {
    @Test func tinyRunsTrainOnThePoolTheProcessHas() throws {
        let tmp = TempDir()
        let data = try writeTinyLightGCN(to: tmp.file("data"))
        let pool = WorkerPool.shared
        let log = try ExperimentRunner.trainWithTrainingRun(tmp.file("run"), tinyRunConfig(path: data.path), false) { _ in }
        #expect(WorkerPool.shared === pool, "the run resized the shared worker pool from \(pool.threadCount) to \(WorkerPool.shared.threadCount) threads")
        #expect(log.info["threads"] == String(pool.threadCount), "\(log.info)")
    }
}
