import Foundation
import Hummingbird
import Logging
import Serving

/// The routes of the retrieval service (see `openapi.yaml` at the repository root):
/// `POST /v1/retrieve`, `GET /v1/items/{id}/similar`, `GET /healthz`, `GET /metrics`.
public enum RetrievalRoutes {
    /// Builds the router over `state`. Every answer is JSON (the metrics are Prometheus text);
    /// every refused request is a 4xx JSON error.
    public static func router(state: ServingState, options: ServerOptions) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: state.metrics))
        router.add(middleware: JSONErrorMiddleware())

        router.post("/v1/retrieve") { request, context -> Response in
            try await retrieve(request, state: state, options: options)
        }
        router.get("/v1/items/:id/similar") { request, context -> Response in
            let id = try pathID(context.parameters.require("id"))
            let r = state.retriever
            let query = request.uri.queryParameters
            let k = try intParameter(query["k"], name: "k") ?? RetrieveRequest.defaultK
            let nprobe = try intParameter(query["nprobe"], name: "nprobe")
            let index = try indexParameter(query["index"])
            let t0 = DispatchTime.now().uptimeNanoseconds
            let items = try await BlockingWork.run(blocking: (index ?? r.defaultIndex) == .vectordb) {
                try r.similar(to: id, k: k, index: index, nprobe: nprobe)
            }
            return json(JSONWriter.items(items, k: k, index: (index ?? r.defaultIndex).rawValue, run: r.run.directory.lastPathComponent,
                                         tookMs: milliseconds(since: t0)))
        }
        router.get("/healthz") { _, _ -> Response in
            let r = state.retriever
            return json(JSONWriter.object([
                ("status", "ok"), ("run", r.run.directory.path), ("users", r.run.dataset.numUsers),
                ("items", r.run.items.rows), ("dimension", r.run.dimension), ("default_index", r.defaultIndex.rawValue),
                ("vectordb", r.external?.summary ?? ""), ("ivf_lists", r.ivf?.lists ?? 0), ("default_nprobe", r.ivf?.defaultProbes ?? 0),
                ("ivf_recall", r.ivfRecall?.recall ?? Double.nan), ("ivf_recall_k", r.ivfRecall?.k ?? 0),
                ("history_queries", r.supportsHistory), ("max_k", r.maxK), ("max_body_bytes", options.maxBodyBytes),
            ]))
        }
        router.get("/metrics") { _, _ -> Response in
            let r = state.retriever
            let text = state.metrics.prometheusText(gauges: [
                ("esans_items", "Items in the loaded run.", Double(r.run.items.rows)),
                ("esans_users", "Users in the loaded run.", Double(r.run.dataset.numUsers)),
                ("esans_resident_memory_bytes", "Resident set size of the server process.", Double(residentBytes())),
            ])
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    /// `POST /v1/retrieve`: checks the content type and size, decodes, retrieves.
    static func retrieve(_ request: Request, state: ServingState, options: ServerOptions) async throws -> Response {
        if let type = request.headers[.contentType], !type.lowercased().contains("json") {
            throw APIError(.unsupportedMediaType, "Content-Type must be application/json, not '\(type)'")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > options.maxBodyBytes {
            throw APIError(.contentTooLarge, "request body of \(length) bytes is over the limit of \(options.maxBodyBytes)")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: options.maxBodyBytes) } catch {
            throw APIError(.contentTooLarge, "request body is over the limit of \(options.maxBodyBytes) bytes")
        }
        guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "empty body; send a JSON object") }
        let query = try retrieveQuery(body: Data(buffer.readableBytesView))
        let r = state.retriever
        let t0 = DispatchTime.now().uptimeNanoseconds
        let items = try await BlockingWork.run(blocking: (query.index ?? r.defaultIndex) == .vectordb) { try r.retrieve(query) }
        return json(JSONWriter.items(items, k: query.k, index: (query.index ?? r.defaultIndex).rawValue,
                                     run: r.run.directory.lastPathComponent, tookMs: milliseconds(since: t0)))
    }

    /// The query of a `POST /v1/retrieve` body (a JSON object, see `openapi.yaml`).
    /// - Throws: `DecodingError` for JSON that is malformed or has fields of the wrong type,
    ///   an error whose status is 400 for a request that asks for no query or two at once.
    public static func retrieveQuery(body: Data) throws -> RetrievalQuery {
        try JSONDecoder().decode(RetrieveRequest.self, from: body).query()
    }

    /// An id from the path, percent-decoded (the router hands path segments over raw, so
    /// `/v1/items/a%20b/similar` names the item `a b`).
    static func pathID(_ raw: String) throws -> String {
        guard let id = raw.removingPercentEncoding else {
            throw APIError(.badRequest, "the item id in the path is not valid percent-encoding: '\(raw)' (send % as %25)")
        }
        return id
    }

    static func intParameter(_ value: Substring?, name: String) throws -> Int? {
        guard let value else { return nil }
        guard let v = Int(value) else { throw APIError(.badRequest, "query parameter \(name) must be an integer, not '\(value)'") }
        return v
    }

    static func indexParameter(_ value: Substring?) throws -> IndexChoice? {
        guard let value else { return nil }
        guard let c = IndexChoice(rawValue: String(value)) else { throw APIError(.badRequest, "index must be 'exact', 'ivf' or 'vectordb', not '\(value)'") }
        return c
    }

    static func json(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func milliseconds(since t0: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 }

    /// Resident set size from `/proc/self/statm` (0 where unavailable).
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Turns every error below it into a JSON error response (4xx for the client's mistakes; a
/// 5xx only for a bug, logged as an error).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var e = APIError.from(error)
            // The router's 404 for a known route asked with a method it does not serve: 405.
            if error is HTTPError, e.status == .notFound, let allowed = MetricsMiddleware<Context>.allowedMethods(request.uri.path) {
                e = APIError(.methodNotAllowed, "\(request.method.rawValue) is not allowed here; use \(allowed)")
                var response = e.response()
                response.headers[.allow] = allowed
                return response
            }
            if e.status.code >= 500 {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            } else {
                context.logger.info("request refused", metadata: [
                    "path": "\(request.uri.path)", "status": "\(e.status.code)", "message": "\(e.message)",
                ])
            }
            return e.response()
        }
    }
}

/// Records the count and latency of every request, by route template and final status.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServingMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let route = Self.route(request.uri.path)
        metrics.record(route: route, method: request.method.rawValue, status: Int(response.status.code), seconds: seconds)
        context.logger.debug("request", metadata: [
            "route": "\(route)", "status": "\(response.status.code)", "ms": "\(String(format: "%.3f", seconds * 1000))",
        ])
        return response
    }

    /// The methods a route template serves, or nil for paths that are no route.
    static func allowedMethods(_ path: String) -> String? {
        switch route(path) {
        case "/v1/retrieve": return "POST"
        case "/v1/items/{id}/similar", "/healthz", "/metrics": return "GET"
        default: return nil
        }
    }

    /// The route template of `path` (a fixed set, so metric labels stay bounded).
    static func route(_ path: String) -> String {
        switch path {
        case "/v1/retrieve", "/healthz", "/metrics": return path
        default:
            if path.hasPrefix("/v1/items/") && path.hasSuffix("/similar") { return "/v1/items/{id}/similar" }
            return "unmatched"
        }
    }
}
