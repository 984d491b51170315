import Foundation
import Synchronization

/// Request counters and a latency histogram per route, in the Prometheus text format
/// (`GET /metrics`). One lock per recorded request; routes are a fixed small set, so the
/// label sets stay bounded whatever paths clients send.
public final class ServingMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    public static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private struct Key: Hashable { let route: String, method: String, status: Int }
    private struct Histogram { var counts = [UInt64](repeating: 0, count: ServingMetrics.buckets.count); var sum = 0.0; var count: UInt64 = 0 }
    private struct State {
        var requests: [Key: UInt64] = [:]
        var latency: [String: Histogram] = [:]
        var reloads: [String: UInt64] = [:]
    }
    private let state = Mutex(State())
    private let started = Date()

    /// A fresh set of metrics.
    public init() {}

    /// Counts one request on `route` answered with `status` after `seconds`.
    public func record(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests[Key(route: route, method: method, status: status), default: 0] += 1
            var h = s.latency[route] ?? Histogram()
            if let b = Self.buckets.firstIndex(where: { seconds <= $0 }) { h.counts[b] += 1 }
            h.sum += seconds
            h.count += 1
            s.latency[route] = h
        }
    }

    /// Counts a reload attempt (`result`: `ok` or `error`).
    public func recordReload(result: String) {
        state.withLock { $0.reloads[result, default: 0] += 1 }
    }

    /// Total requests recorded with `status` (all routes), for tests and logs.
    public func requests(status: Int) -> UInt64 {
        state.withLock { s in s.requests.filter { $0.key.status == status }.values.reduce(0, +) }
    }

    /// The exposition text; `gauges` are appended as `name value` lines.
    public func prometheusText(gauges: [(name: String, help: String, value: Double)]) -> String {
        let s = state.withLock { $0 }
        var t = "# HELP esans_http_requests_total HTTP requests by route, method and status.\n# TYPE esans_http_requests_total counter\n"
        for (k, v) in s.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            t += "esans_http_requests_total{route=\"\(k.route)\",method=\"\(k.method)\",status=\"\(k.status)\"} \(v)\n"
        }
        t += "# HELP esans_http_request_duration_seconds Time from request head to response, by route.\n# TYPE esans_http_request_duration_seconds histogram\n"
        for (route, h) in s.latency.sorted(by: { $0.key < $1.key }) {
            var cumulative: UInt64 = 0
            for (i, le) in Self.buckets.enumerated() {
                cumulative += h.counts[i]
                t += "esans_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(le)\"} \(cumulative)\n"
            }
            t += "esans_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(h.count)\n"
            t += "esans_http_request_duration_seconds_sum{route=\"\(route)\"} \(h.sum)\n"
            t += "esans_http_request_duration_seconds_count{route=\"\(route)\"} \(h.count)\n"
        }
        t += "# HELP esans_reloads_total SIGHUP reloads by result.\n# TYPE esans_reloads_total counter\n"
        for result in ["ok", "error"] { t += "esans_reloads_total{result=\"\(result)\"} \(s.reloads[result] ?? 0)\n" }
        t += "# HELP esans_uptime_seconds Seconds since the server started.\n# TYPE esans_uptime_seconds gauge\n"
        t += "esans_uptime_seconds \(Date().timeIntervalSince(started))\n"
        for g in gauges {
            t += "# HELP \(g.name) \(g.help)\n# TYPE \(g.name) gauge\n\(g.name) \(g.value)\n"
        }
        return t
    }
}
