/// The Milvus operations esans uses, over one ``GRPCChannel`` (`MilvusService` of
/// milvus-proto; works with Milvus 2.4+ and milvus-lite). Each call checks the response's
/// status and turns a failure into a ``VectorDBError`` naming the server and the operation.
public final class MilvusClient: Sendable {
    /// The server's `host:port`.
    public let address: String
    /// Seconds a call may take (index builds and loads are given ten times as long).
    public let timeoutSeconds: Double
    private let channel: GRPCChannel

    /// A client of the server at `address` (`host:port`). Connects on the first call.
    /// - Throws: ``VectorDBError`` when libgrpc is unavailable.
    public init(address: String, timeoutSeconds: Double = 30) throws {
        self.address = address; self.timeoutSeconds = timeoutSeconds
        channel = try GRPCChannel(target: address)
    }

    /// Calls `method` and returns the response bytes.
    /// - Throws: ``VectorDBError`` when the call fails at the gRPC level.
    public func call(_ method: String, _ request: [UInt8], slow: Bool = false) throws -> [UInt8] {
        do {
            return try channel.call(MilvusRequests.method(method), request, timeoutSeconds: timeoutSeconds * (slow ? 10 : 1))
        } catch let e as GRPCChannel.CallError {
            let why = e.code == 14 ? "cannot reach Milvus at \(address) (is the server running?)" : "Milvus at \(address)"
            throw VectorDBError("\(method): \(why): \(GRPCChannel.statusName(e.code)): \(e.message)")
        }
    }

    /// Calls a method whose response is a bare `common.Status`.
    public func callStatus(_ method: String, _ request: [UInt8], slow: Bool = false) throws {
        try check(MilvusStatus(call(method, request, slow: slow)[...]), method)
    }

    /// Calls a method whose response holds a `common.Status` in field 1; returns the other fields.
    public func callFields(_ method: String, _ request: [UInt8], slow: Bool = false) throws -> [(Int, ProtobufReader.Value)] {
        let (status, fields) = try MilvusResponses.fields(call(method, request, slow: slow))
        try check(status, method)
        return fields
    }

    private func check(_ status: MilvusStatus, _ method: String) throws {
        guard status.ok else {
            throw VectorDBError("\(method) failed on Milvus at \(address): \(status.reason.isEmpty ? "code \(status.code)" : status.reason)")
        }
    }

    /// Whether a collection or alias `name` exists.
    public func hasCollection(_ name: String) throws -> Bool {
        MilvusResponses.bool(try callFields("HasCollection", MilvusRequests.collection(name)))
    }

    /// The collection `name` resolves to (itself, or an alias's target) and its properties.
    public func describeCollection(_ name: String) throws -> (name: String, properties: [String: String]) {
        try MilvusResponses.describeCollection(callFields("DescribeCollection", MilvusRequests.collection(name)))
    }

    /// The collection alias `alias` points at.
    public func aliasTarget(_ alias: String) throws -> String {
        MilvusResponses.aliasTarget(try callFields("DescribeAlias", MilvusRequests.aliasName(alias)))
    }

    /// Drops collection `name` (by its own name: an alias would drop its target).
    public func dropCollection(_ name: String) throws {
        try callStatus("DropCollection", MilvusRequests.collection(name), slow: true)
    }

    /// Drops the alias `alias` (its collection stays).
    public func dropAlias(_ alias: String) throws {
        try callStatus("DropAlias", MilvusRequests.aliasName(alias))
    }

    /// Searches `collection` for the best `limit` rows by inner product with `query`.
    public func search(collection: String, query: [Float], limit: Int, params: String) throws -> [(id: String, score: Float)] {
        let request = MilvusRequests.search(collection: collection, field: "vec", query: query, limit: limit, params: params)
        return try MilvusResponses.searchHits(callFields("Search", request))
    }

    /// The rows of `collection`, counted at Strong consistency, or at the collection's own
    /// (what searches see) with `collectionConsistency`.
    public func count(collection: String, collectionConsistency: Bool = false) throws -> Int64 {
        let request = MilvusRequests.query(collection: collection, expr: "", outputFields: ["count(*)"],
                                           collectionConsistency: collectionConsistency)
        return try MilvusResponses.count(callFields("Query", request))
    }

    /// The stored vectors of the rows `ids` of `collection` (at Strong consistency).
    public func vectors(collection: String, ids: [String]) throws -> [String: [Float]] {
        let request = MilvusRequests.query(collection: collection, expr: MilvusRequests.idInExpression(ids), outputFields: ["id", "vec"])
        return try MilvusResponses.queryVectors(callFields("Query", request))
    }
}
