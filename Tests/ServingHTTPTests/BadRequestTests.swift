import TestSupport
import Foundation
import Testing
import Hummingbird
import HummingbirdTesting
import Serving
@testable import ServingHTTP

/// One malformed or impossible request and the status it must get.
struct BadCase: Sendable, CustomTestStringConvertible {
    let name: String
    let method: HTTPRequest.Method
    let uri: String
    let contentType: String?
    let body: String?
    let status: Int
    var testDescription: String { "\(name) -> \(status)" }

    init(_ name: String, _ method: HTTPRequest.Method = .post, _ uri: String = "/v1/retrieve", contentType: String? = "application/json",
         body: String? = nil, _ status: Int) {
        self.name = name; self.method = method; self.uri = uri; self.contentType = contentType; self.body = body; self.status = status
    }
}

/// The table of the bad requests: every one is a 4xx JSON error with a message.
/// The server has the model's dimension 8, max k 50, a body limit of 4096 bytes and an
/// IVF index of 4 lists; its model has no history tower.
let badCases: [BadCase] = [
    BadCase("truncated JSON", body: "{\"user_id\": ", 400),
    BadCase("not JSON at all", body: "user_id=7", 400),
    BadCase("JSON array instead of object", body: "[1, 2]", 400),
    BadCase("empty body", body: "", 400),
    BadCase("no query source", body: "{\"k\": 5}", 400),
    BadCase("two query sources", body: "{\"user_id\": \"7\", \"vector\": [1,0,0,0,0,0,0,0]}", 400),
    BadCase("user_id of the wrong type", body: "{\"user_id\": true}", 400),
    BadCase("vector null", body: "{\"vector\": null, \"user_id\": \"7\"}", 400),
    BadCase("k as a string", body: "{\"user_id\": \"7\", \"k\": \"ten\"}", 400),
    BadCase("k as a fraction", body: "{\"user_id\": \"7\", \"k\": 1.5}", 400),
    BadCase("k beyond Int64", body: "{\"user_id\": \"7\", \"k\": 100000000000000000000000}", 400),
    BadCase("nprobe in exponent notation beyond Int64", body: "{\"user_id\": \"7\", \"nprobe\": 1e30}", 400),
    BadCase("vector of strings", body: "{\"vector\": [\"a\", \"b\"]}", 400),
    BadCase("unknown index kind", body: "{\"user_id\": \"7\", \"index\": \"hnsw\"}", 400),
    BadCase("unknown user", body: "{\"user_id\": \"no-such-user\"}", 404),
    BadCase("unknown excluded item", body: "{\"user_id\": \"7\", \"exclude\": [\"no-such-item\"]}", 404),
    BadCase("k = 0", body: "{\"user_id\": \"7\", \"k\": 0}", 422),
    BadCase("k negative", body: "{\"user_id\": \"7\", \"k\": -3}", 422),
    BadCase("k above the maximum", body: "{\"user_id\": \"7\", \"k\": 100000}", 422),
    BadCase("vector of the wrong dimension", body: "{\"vector\": [0.1, 0.2, 0.3]}", 422),
    BadCase("all-zero vector", body: "{\"vector\": [0,0,0,0,0,0,0,0]}", 422),
    BadCase("number too large for a float", body: "{\"vector\": [1e300,0,0,0,0,0,0,0]}", 422),
    BadCase("history on a model without a history tower", body: "{\"history\": [\"1\", \"2\"]}", 422),
    BadCase("nprobe out of range", body: "{\"user_id\": \"7\", \"index\": \"ivf\", \"nprobe\": 0}", 422),
    BadCase("body over the size limit", body: "{\"exclude\": [" + Array(repeating: "\"1\"", count: 2000).joined(separator: ",") + "], \"user_id\": \"7\"}", 413),
    BadCase("wrong content type", contentType: "text/plain", body: "{\"user_id\": \"7\"}", 415),
    BadCase("similar: unknown item", .get, "/v1/items/no-such-item/similar", contentType: nil, 404),
    BadCase("similar: k not an integer", .get, "/v1/items/3/similar?k=abc", contentType: nil, 400),
    BadCase("similar: k = 0", .get, "/v1/items/3/similar?k=0", contentType: nil, 422),
    BadCase("similar: bad index kind", .get, "/v1/items/3/similar?index=lsh", contentType: nil, 400),
    BadCase("similar: item id that is no percent-encoding", .get, "/v1/items/3%zz/similar", contentType: nil, 400),
    BadCase("no such route", .get, "/v2/anything", contentType: nil, 404),
    BadCase("wrong method on retrieve", .get, "/v1/retrieve", contentType: nil, 405),
    BadCase("wrong method on healthz", .delete, "/healthz", contentType: nil, 405),
]

@Suite struct BadRequestTests {
    @Test func theTableHasAtLeastFifteenCases() { #expect(badCases.count >= 15) }

    @Test(arguments: badCases)
    func badRequestGetsTheIntendedStatus(_ c: BadCase) async throws {
        let tmp = TempDir()
        let server = try makeServer(tmp)
        try await server.application().test(.router) { client in
            var headers: HTTPFields = [:]
            if let t = c.contentType { headers[.contentType] = t }
            try await client.execute(uri: c.uri, method: c.method, headers: headers, body: c.body.map { ByteBuffer(string: $0) }) { res in
                #expect(Int(res.status.code) == c.status, "\(c.name): \(String(buffer: res.body))")
                let err = json(res.body)["error"] as? [String: Any]
                #expect(err?["status"] as? Int == c.status, "\(c.name): body \(String(buffer: res.body))")
                #expect((err?["message"] as? String)?.isEmpty == false)
                #expect(res.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
        // The server is still healthy afterwards and never answered 5xx.
        #expect(server.state.metrics.requests(status: 500) == 0)
    }

    /// A number where an integer belongs is reported with its field (Foundation's own error
    /// says "not valid JSON" and names no field).
    @Test(arguments: [("k", "1.5"), ("k", "1e30"), ("nprobe", "100000000000000000000000")])
    func aNonIntegerNumberNamesItsField(_ field: String, _ value: String) throws {
        let error = try #require(throws: (any Error).self) {
            try RetrievalRoutes.retrieveQuery(body: Data("{\"user_id\": \"7\", \"\(field)\": \(value)}".utf8))
        }
        let e = APIError.from(error)
        #expect(e.status == .badRequest)
        #expect(e.message.contains("at \(field)") && e.message.contains("integer"), "\(e.message)")
        #expect(try RetrievalRoutes.retrieveQuery(body: Data("{\"user_id\": \"7\", \"k\": 1e2}".utf8)).k == 100)
    }

    @Test func badRequestsOnARealPortLeaveTheServerServing() async throws {
        let tmp = TempDir()
        let server = try makeServer(tmp)
        try await withLiveServer(server) { client in
            for c in badCases where c.method == .post {
                try await client.execute(uri: c.uri, method: .post, headers: [.contentType: c.contentType ?? "application/json"],
                                         body: ByteBuffer(string: c.body ?? "")) { res in
                    #expect(Int(res.status.code) == c.status, "\(c.name)")
                }
            }
            try await client.execute(uri: "/v1/retrieve", method: .post, headers: jsonHeaders, body: ByteBuffer(string: "{\"user_id\": \"7\"}")) { res in
                #expect(res.status == .ok)
            }
        }
    }
}
