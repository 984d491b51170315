import TestSupport
import RunFixtures
import Foundation
import Testing
import Logging
import NumCore
import Serving
@testable import ServingHTTP

/// A vector database that answers only once it is opened (a slow network round trip). A
/// watchdog thread opens it after `watchdogSeconds` if the test has not: when waiting requests
/// hold the concurrency pool, the test itself cannot run to open it, and would hang.
private final class GatedExternal: ExternalIndex, @unchecked Sendable {
    let items: Matrix
    private let gate = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var waiting = 0, opened = false, fired = false
    init(items: Matrix, watchdogSeconds: Double) {
        self.items = items
        Thread.detachNewThread { [self] in
            Thread.sleep(forTimeInterval: watchdogSeconds)
            open(byWatchdog: true)
        }
    }
    var summary: String { "gated" }
    var waitingCount: Int { lock.lock(); defer { lock.unlock() }; return waiting }
    /// Whether the watchdog had to open the database.
    var watchdogFired: Bool { lock.lock(); defer { lock.unlock() }; return fired }
    /// Lets every waiting and later request through (once; later calls do nothing).
    func open(byWatchdog: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        guard !opened else { return }
        opened = true
        fired = byWatchdog
        gate.signal()
    }
    func nearest(_ query: [Float], limit: Int) throws -> [Neighbor] {
        lock.lock(); waiting += 1; lock.unlock()
        gate.wait()
        gate.signal()  // pass the opening on to the next waiting request
        return query.withUnsafeBufferPointer { q in
            [Int32]().withUnsafeBufferPointer { ExactIndex(items: items).search(q, k: limit, excluding: $0) }
        }
    }
}

@Suite struct BlockingBackendTests {
    /// Requests waiting on the database must not hold the concurrency pool's threads (one per
    /// core): while more of them wait than there are cores, /healthz and exact searches still
    /// answer; once the database answers, every waiting request gets its 200.
    @Test(.timeLimit(.minutes(7))) func requestsWaitingOnTheDatabaseLeaveTheServerAnswering() async throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url))
        let db = GatedExternal(items: run.items, watchdogSeconds: 240)
        let retriever = Retriever(run: run, ivf: nil, maxK: 50, external: db)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = RetrievalServer(state: ServingState(initial: retriever) { retriever },
                                     options: ServerOptions(host: "127.0.0.1", port: 0), logger: logger)
        let waiting = 2 * ProcessInfo.processInfo.activeProcessorCount + 2
        try await withLiveServer(server) { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                // Open the database before the group waits for its requests, even when a check
                // below throws (a request left waiting would hold the test until its timeout).
                defer { db.open() }
                for u in 0..<waiting {
                    group.addTask {
                        try await client.execute(uri: "/v1/retrieve", method: .post, headers: jsonHeaders,
                                                 body: body("{\"user_id\": \(u), \"k\": 3}")) { Int($0.status.code) }
                    }
                }
                for _ in 0..<4000 where db.waitingCount < waiting { try await Task.sleep(for: .milliseconds(25)) }
                #expect(db.waitingCount == waiting, "every request reached the database")
                // With all of them waiting, the server still answers what needs no database.
                let health = try await rawRequest(port: client.port, method: "GET", path: "/healthz", headers: [], body: [],
                                                  timeoutSeconds: 60)
                #expect(health.status == 200)
                let exact = try await rawRequest(port: client.port, method: "POST", path: "/v1/retrieve",
                                                 headers: [("Content-Type", "application/json")],
                                                 body: Array("{\"user_id\": 1, \"k\": 3, \"index\": \"exact\"}".utf8), timeoutSeconds: 60)
                #expect(exact.status == 200, "\(exact.text)")
                db.open()
                var statuses: [Int] = []
                for try await s in group { statuses.append(s) }
                #expect(statuses.count == waiting && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            }
        }
        #expect(!db.watchdogFired, "the requests waiting on the database held the server until the watchdog opened it")
    }
}
