import Foundation
import Testing
import NumCore
@testable import Evaluation

/// The progress callback of a full-corpus evaluation: `(0, total)` first, then one call per
/// block of users with growing counts ending at `(total, total)`, on any number of threads,
/// and the metrics unchanged by it.
@Suite struct EvaluationProgressTests {
    /// Records the calls; they come from the pool's threads, serialised by the evaluator.
    final class Recorder: @unchecked Sendable {
        var calls: [(done: Int, total: Int)] = []
        func record(_ done: Int, _ total: Int) { calls.append((done, total)) }
    }

    /// Checks the calls for `users` evaluated users in blocks of `blockRows`.
    static func check(_ calls: [(done: Int, total: Int)], users: Int, blockRows: Int) {
        let blocks = (users + blockRows - 1) / blockRows
        #expect(calls.count == blocks + 1, "one call per block plus the start: \(calls.map(\.done))")
        #expect(calls.first?.done == 0 && calls.last?.done == users, "\(calls.map(\.done))")
        #expect(calls.allSatisfy { $0.total == users })
        #expect(zip(calls, calls.dropFirst()).allSatisfy { $0.done < $1.done }, "not increasing: \(calls.map(\.done))")
    }

    @Test(arguments: [(256, 2), (5, 2), (4, 3), (1, 1)])
    func vectorsReportEachBlock(_ blockRows: Int, _ threads: Int) {
        let data = SmallCase(seed: 5)
        let evaluator = FullCorpusEvaluator(cutoffs: [5, 20], blockRows: blockRows, itemChunk: 16, pool: WorkerPool(threads: threads))
        let plain = evaluator.evaluate(userVectors: data.u, itemVectors: data.v, train: ItemLists(data.train), test: ItemLists(data.test))
        let recorder = Recorder()
        let got = evaluator.evaluate(userVectors: data.u, itemVectors: data.v, train: ItemLists(data.train), test: ItemLists(data.test),
                                     progress: recorder.record)
        #expect(got.values == plain.values && got.usersEvaluated == plain.usersEvaluated)
        // Users without test items are not counted: 27 of the 37 have some.
        Self.check(recorder.calls, users: plain.usersEvaluated, blockRows: blockRows)
    }

    @Test func scoresReportEachBlock() {
        let data = SmallCase(seed: 6)
        let (u, v) = (data.u, data.v)
        let evaluator = FullCorpusEvaluator(cutoffs: [20], blockRows: 3, pool: WorkerPool(threads: 2))
        let recorder = Recorder()
        let users = [0, 1, 2, 3, 5, 6, 7, 9, 10, 11, 30, 31]
        let m = evaluator.evaluate(numItems: v.rows, train: ItemLists(data.train), test: ItemLists(data.test), users: users,
                                   progress: recorder.record) { user, scores in
            for item in 0..<v.rows { for c in 0..<u.cols { scores[item] += u[user, c] * v[item, c] } }
        }
        #expect(m.usersEvaluated == users.filter { !data.test[$0].isEmpty }.count)
        Self.check(recorder.calls, users: m.usersEvaluated, blockRows: 3)
    }

    /// No user to evaluate: the one call says so.
    @Test func noUsers() {
        let data = SmallCase(seed: 7)
        let recorder = Recorder()
        let m = FullCorpusEvaluator(cutoffs: [20]).evaluate(userVectors: data.u, itemVectors: data.v, train: ItemLists(data.train),
                                                            test: ItemLists(data.test), users: [], progress: recorder.record)
        #expect(m.usersEvaluated == 0)
        #expect(recorder.calls.map(\.done) == [0] && recorder.calls.map(\.total) == [0])
    }
}
