import Foundation
import NumCore
import Serving

/// Item search answered by a Milvus collection written by `esans export --to milvus`
/// (``MilvusExport``): a Search of the alias by inner product over gRPC.
///
/// Opening checks the collection's ``MilvusCollectionInfo`` property against the run, and
/// compares a few stored vectors with the run's, so that a collection exported from another
/// run or model is refused at startup rather than answering with wrong items.
public final class MilvusIndex: ExternalIndex, @unchecked Sendable {
    /// The name searched (the export's alias) and the collection it pointed at when opened.
    public let name: String, collection: String
    /// What the export recorded.
    public let info: MilvusCollectionInfo
    /// HNSW `ef` (raised to the limit of a query) and IVF_FLAT `nprobe`.
    public let ef: Int, nprobe: Int
    private let client: MilvusClient
    private let layout: MilvusSchema
    private let itemIndex: (String) -> Int?

    /// Opens `name` on the Milvus server at `address` (`host:port`) to serve `run`.
    /// - Throws: ``ServingError`` (`badInput`) when the server cannot be reached, the
    ///   collection is missing or was exported from another run.
    public convenience init(address: String, name: String, run: ServingRun, ef: Int = 100, nprobe: Int = 10,
                            timeoutSeconds: Double = 10) throws {
        let items = run.dataset.items
        do {
            try self.init(client: MilvusClient(address: address, timeoutSeconds: timeoutSeconds), name: name, ef: ef,
                          nprobe: nprobe, itemIndex: { items.index(of: $0) })
            if let why = info.mismatch(items: run.dataset.numItems, dimension: run.dimension, dataFingerprint: run.dataFingerprint) {
                throw VectorDBError("Milvus collection \(name) cannot serve \(run.directory.path): \(why); "
                                    + "export it again with `esans export --to milvus`")
            }
            try checkSample(run.items, names: { items[$0] }, runPath: run.directory.path)
        } catch let e as VectorDBError {
            throw ServingError(.badInput, e.message)
        }
    }

    /// Opens `name` through `client`; `itemIndex` maps a stored id to the run's item index.
    /// - Throws: ``VectorDBError`` when the collection is missing or has no esans property.
    public init(client: MilvusClient, name: String, ef: Int, nprobe: Int, itemIndex: @escaping (String) -> Int?) throws {
        self.client = client; self.name = name; self.itemIndex = itemIndex
        self.ef = max(1, ef); self.nprobe = max(1, nprobe)
        guard try client.hasCollection(name) else {
            throw VectorDBError("Milvus at \(client.address) has no collection \(name); "
                                + "write it with `esans export --to milvus --collection \(name)`")
        }
        let described = try client.describeCollection(name)
        let target = (try? client.aliasTarget(name)) ?? ""
        collection = !target.isEmpty ? target : described.name.isEmpty ? name : described.name
        info = try MilvusCollectionInfo.parse(described.properties[MilvusSchema.infoProperty], collection: collection)
        layout = MilvusSchema(name: name, dimension: info.dimension, index: info.index, hasCodes: info.kp != nil,
                              partitions: info.partitions, idMaxLength: 1, nlist: info.nlist ?? 1)
    }

    public var summary: String {
        "Milvus collection \(name) -> \(collection) at \(client.address) (\(info.index.rawValue)"
            + (info.partitions > 0 ? ", partition key primary_code" : "")
            + (info.index == .hnsw ? ", ef \(ef)" : info.index == .ivfFlat ? ", nprobe \(min(nprobe, info.nlist ?? nprobe))" : "") + ")"
    }

    public func nearest(_ query: [Float], limit: Int) throws -> [Neighbor] {
        let hits: [(id: String, score: Float)]
        do {
            hits = try client.search(collection: name, query: query, limit: limit,
                                     params: layout.searchParams(limit: limit, ef: ef, nprobe: nprobe))
        } catch let e as VectorDBError {
            throw ServingError(.unavailable, "milvus: \(e.message)")
        }
        var out: [Neighbor] = []
        out.reserveCapacity(hits.count)
        for h in hits {
            guard let i = itemIndex(h.id) else {
                throw ServingError(.unavailable, "Milvus collection \(name) holds item '\(h.id)', which the run does not know; export it again")
            }
            out.append(Neighbor(item: Int32(i), score: h.score))
        }
        return out
    }

    /// Compares up to 16 stored vectors, spread over the items, with the run's.
    private func checkSample(_ items: Matrix, names: (Int) -> String, runPath: String) throws {
        try ExportedVectors.checkSample(items, names: names, what: "Milvus collection \(name)", runPath: runPath) {
            try client.vectors(collection: name, ids: $0)
        }
    }
}
