import TestSupport
import RunFixtures
import Foundation
import Testing
import Hummingbird
import HummingbirdTesting
import Logging
import NumCore
import Serving
@testable import ServingHTTP

/// A server over a tiny run (with an IVF index of 4 lists when `ivf`, whose measured recall
/// is `recall` when given).
func makeServer(_ tmp: TempDir, history: Bool = false, ivf: Bool = true, recall: IndexRecall? = nil, maxBody: Int = 4096) throws -> RetrievalServer {
    let runDir = try makeRun(in: tmp.url, history: history, idEmbedding: !history)
    let run = try ServingRun(directory: runDir)
    let index = ivf ? IVFBuilder.fromKMeans(items: run.items, lists: 4, defaultProbes: 2) : nil
    let retriever = Retriever(run: run, ivf: index, ivfRecall: recall, maxK: 50)
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let state = ServingState(initial: retriever) { retriever }
    return RetrievalServer(state: state, options: ServerOptions(host: "127.0.0.1", port: 0, maxBodyBytes: maxBody), logger: logger)
}

func body(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }
func text(_ b: ByteBuffer) -> String { String(buffer: b) }
func json(_ b: ByteBuffer) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(String(buffer: b).utf8))) as? [String: Any] ?? [:]
}
let jsonHeaders: HTTPFields = [.contentType: "application/json"]

@Suite struct RoutesTests {
    /// Every route on a real loopback port.
    @Test func everyRouteLive() async throws {
        let tmp = TempDir()
        let server = try makeServer(tmp)
        let r = server.state.retriever
        let user = r.run.dataset.users[5], item = r.run.dataset.items[2]
        try await withLiveServer(server) { client in
            try await client.execute(uri: "/healthz", method: .get) { res in
                #expect(res.status == .ok)
                let j = json(res.body)
                #expect(j["status"] as? String == "ok" && j["items"] as? Int == r.run.dataset.numItems && j["ivf_lists"] as? Int == 4)
                #expect(j["ivf_recall"] is NSNull, "an index without a measured recall reports null")
            }
            try await client.execute(uri: "/v1/retrieve", method: .post, headers: jsonHeaders,
                                     body: body("{\"user_id\": \"\(user)\", \"k\": 7, \"index\": \"exact\"}")) { res in
                #expect(res.status == .ok)
                let items = json(res.body)["items"] as? [[String: Any]] ?? []
                let want = try r.retrieve(RetrievalQuery(source: .user(user), k: 7, index: .exact)).map(\.id)
                #expect(items.compactMap { $0["id"] as? String } == want)
                #expect(res.headers[.contentType]?.hasPrefix("application/json") == true)
            }
            try await client.execute(uri: "/v1/retrieve", method: .post, headers: jsonHeaders,
                                     body: body("{\"user_id\": 5, \"k\": 3}")) { res in
                #expect(res.status == .ok)
                #expect(json(res.body)["index"] as? String == "ivf")
                #expect((json(res.body)["items"] as? [Any])?.count == 3)
            }
            let v = r.run.items.rowArray(2).map { String($0) }.joined(separator: ",")
            try await client.execute(uri: "/v1/retrieve", method: .post, headers: jsonHeaders,
                                     body: body("{\"vector\": [\(v)], \"k\": 1, \"index\": \"exact\"}")) { res in
                #expect(res.status == .ok)
                let items = json(res.body)["items"] as? [[String: Any]] ?? []
                #expect(items.first?["id"] as? String == item)  // an item is its own nearest neighbour
            }
            try await client.execute(uri: "/v1/items/\(item)/similar?k=4&index=ivf&nprobe=4", method: .get) { res in
                #expect(res.status == .ok)
                let items = json(res.body)["items"] as? [[String: Any]] ?? []
                #expect(items.count == 4 && !items.contains { $0["id"] as? String == item })
            }
            try await client.execute(uri: "/v1/retrieve", method: .post, headers: jsonHeaders, body: body("{}")) { res in
                #expect(res.status == .badRequest)
            }
            try await client.execute(uri: "/metrics", method: .get) { res in
                #expect(res.status == .ok)
                let t = text(res.body)
                #expect(t.contains("esans_http_requests_total{route=\"/v1/retrieve\",method=\"POST\",status=\"200\"} 3"))
                #expect(t.contains("esans_http_requests_total{route=\"/v1/retrieve\",method=\"POST\",status=\"400\"} 1"))
                #expect(t.contains("esans_http_requests_total{route=\"/v1/items/{id}/similar\",method=\"GET\",status=\"200\"} 1"))
                #expect(t.contains("esans_http_request_duration_seconds_bucket{route=\"/v1/retrieve\",le=\"+Inf\"} 4"))
                #expect(t.contains("esans_items \(Double(r.run.dataset.numItems))"))
            }
        }
    }

    @Test func historyRetrievalThroughTheRouter() async throws {
        let tmp = TempDir()
        let server = try makeServer(tmp, history: true, ivf: false)
        let r = server.state.retriever
        let hist = r.run.dataset.train.items(of: 3).map { "\"\(r.run.dataset.items[Int($0)])\"" }.joined(separator: ",")
        try await server.application().test(.router) { client in
            try await client.execute(uri: "/v1/retrieve", method: .post, headers: jsonHeaders,
                                     body: body("{\"history\": [\(hist)], \"k\": 5}")) { res in
                #expect(res.status == .ok)
                let got = (json(res.body)["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                let want = try r.retrieve(RetrievalQuery(source: .user(r.run.dataset.users[3]), k: 5)).map(\.id)
                #expect(got == want)
            }
        }
    }

    /// Item ids that need percent-encoding in a path (found by scripts/soak.sh: the router
    /// hands the raw segment over, so `a%20b` was looked up as is and got 404).
    @Test func similarDecodesPercentEncodedItemIDs() async throws {
        let tmp = TempDir()
        let names = ["a b", "caf\u{e9}", "x/y", "50%", "plain"] + (0..<15).map { "i\($0)" }
        let run = try ServingRun(directory: try makeRun(in: tmp.url, users: 30, itemNames: names))
        let retriever = Retriever(run: run, ivf: nil, maxK: 50)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = RetrievalServer(state: ServingState(initial: retriever) { retriever }, options: ServerOptions(port: 0), logger: logger)
        try await withLiveServer(server) { client in
            for name in names.prefix(5) {
                #expect(run.dataset.items.index(of: name) != nil, "\(name) is an item of the run")
                let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let want = try retriever.similar(to: name, k: 3).map(\.id)
                try await client.execute(uri: "/v1/items/\(encoded)/similar?k=3", method: .get) { res in
                    #expect(res.status == .ok, "\(name) as \(encoded): \(text(res.body))")
                    let got = (json(res.body)["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    #expect(got == want)
                    #expect(!got.contains(name))
                }
            }
            // A "%" not followed by two hex digits is no percent-encoding: 400, not a lookup.
            try await client.execute(uri: "/v1/items/50%zz/similar", method: .get) { res in
                #expect(res.status == .badRequest, "\(text(res.body))")
            }
        }
    }

    /// A vector of huge or tiny values within the schema (|x| <= 1e30) gets the answer of
    /// its direction: it used to get every score 0 (above about 1.8e19) or 422 "all zeros"
    /// (below about 4e-23, or below Float's range when it was read).
    @Test func vectorsOfAnyScaleInTheSchemaGetTheirDirectionsAnswer() async throws {
        let tmp = TempDir()
        let server = try makeServer(tmp, ivf: false)
        let r = server.state.retriever
        let v = r.run.users.rowArray(4).map(Double.init)
        try await server.application().test(.router) { client in
            func ids(_ scale: Double, _ client: any TestClientProtocol) async throws -> (Int, [String]) {
                let values = v.map { String($0 * scale) }.joined(separator: ",")
                return try await client.execute(uri: "/v1/retrieve", method: .post, headers: jsonHeaders,
                                                body: body("{\"vector\": [\(values)], \"k\": 8}")) { res in
                    (Int(res.status.code), (json(res.body)["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                }
            }
            let (status, want) = try await ids(1, client)
            #expect(status == 200 && want.count == 8)
            for scale in [1e20, 1e29, 1e-25, 1e-50, 1e-300] {
                let (s, got) = try await ids(scale, client)
                #expect(s == 200 && got == want, "scale \(scale): \(s)")
            }
        }
    }

    /// A reload swaps the run while requests keep being answered.
    @Test func reloadSwapsTheRunWithoutDroppingRequests() async throws {
        let tmp = TempDir()
        let other = TempDir()
        let firstRun = try ServingRun(directory: try makeRun(in: tmp.url))
        let secondDir = try makeRun(in: other.url, users: 30, items: 50, seed: 9)
        var log = Logger(label: "test")
        log.logLevel = .critical
        let logger = log
        let state = ServingState(initial: Retriever(run: firstRun, ivf: nil)) {
            Retriever(run: try ServingRun(directory: secondDir), ivf: nil)
        }
        let server = RetrievalServer(state: state, options: ServerOptions(port: 0), logger: logger)
        try await withLiveServer(server) { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await client.execute(uri: "/v1/retrieve", method: .post, headers: jsonHeaders,
                                                 body: body("{\"user_id\": \(i % 30), \"k\": 5}")) { Int($0.status.code) }
                    }
                }
                group.addTask { state.reload(logger: logger) ? 1 : -1 }
                var statuses: [Int] = []
                for try await s in group { statuses.append(s) }
                #expect(statuses.filter { $0 == 200 }.count == 40)
                #expect(statuses.contains(1))
            }
            try await client.execute(uri: "/healthz", method: .get) { res in
                #expect(json(res.body)["items"] as? Int == 50)
            }
        }
        #expect(state.metrics.prometheusText(gauges: []).contains("esans_reloads_total{result=\"ok\"} 1"))
    }

    /// /healthz reports the IVF index's recall measured by `esans index build`.
    @Test func healthReportsTheIndexRecall() async throws {
        let tmp = TempDir()
        let server = try makeServer(tmp, recall: IndexRecall(recall: 0.9375, k: 20, nprobe: 2, queries: 40, seed: 1))
        try await server.application().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { res in
                let j = json(res.body)
                #expect(j["ivf_recall"] as? Double == 0.9375 && j["ivf_recall_k"] as? Int == 20, "\(j)")
            }
        }
    }

    /// The real server loop: SIGHUP reloads, task cancellation stops it. The waits are generous:
    /// on a 2-core machine, other suites' blocking tests can hold the concurrency pool that the
    /// server's handlers need for many seconds.
    @Test(.timeLimit(.minutes(5))) func sighupReloadsTheRunningServer() async throws {
        let tmp = TempDir()
        let base = try makeServer(tmp, ivf: false)
        // The hook `esans serve` trims the heap in runs once per reload, after it.
        let hooks = CountBox()
        let server = RetrievalServer(state: base.state, options: base.options, logger: base.logger, afterReload: { hooks.increment() })
        let port = PortBox()
        let task = Task { try await server.run { port.set($0) } }
        var p = 0
        for _ in 0..<2400 where p == 0 { try await Task.sleep(for: .milliseconds(25)); p = port.get() }
        #expect(p > 0)
        #expect(try await rawHTTP(port: p, path: "/healthz").status == 200)
        kill(getpid(), SIGHUP)
        var reloaded = false
        for _ in 0..<2400 where !reloaded {
            try await Task.sleep(for: .milliseconds(25))
            reloaded = try await rawHTTP(port: p, path: "/metrics").body.contains("esans_reloads_total{result=\"ok\"} 1")
        }
        #expect(reloaded)
        #expect(try await rawHTTP(port: p, method: "POST", path: "/v1/retrieve", body: "{\"user_id\": 1, \"k\": 2}").status == 200)
        for _ in 0..<2400 where hooks.get() == 0 { try await Task.sleep(for: .milliseconds(25)) }
        #expect(hooks.get() == 1)
        task.cancel()
        _ = try? await task.value
    }
}

final class CountBox: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    func get() -> Int { lock.lock(); defer { lock.unlock() }; return count }
}

final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    func set(_ p: Int) { lock.lock(); port = p; lock.unlock() }
    func get() -> Int { lock.lock(); defer { lock.unlock() }; return port }
}
