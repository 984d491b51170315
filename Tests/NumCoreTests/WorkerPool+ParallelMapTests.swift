import Testing
import NumCore

/// `parallelMap`: every index once, results in index order, on any number of threads.
@Suite struct WorkerPoolParallelMapTests {
    @Test(arguments: [1, 3])
    func resultsComeInIndexOrder(threads: Int) {
        let pool = WorkerPool(threads: threads)
        #expect(pool.parallelMap(0) { $0 }.isEmpty)
        #expect(pool.parallelMap(1) { [$0, 7] } == [[0, 7]])
        let squares = pool.parallelMap(1000) { i in (i, i * i) }
        #expect(squares.map(\.0) == Array(0..<1000) && squares.map(\.1) == (0..<1000).map { $0 * $0 })
    }
}
