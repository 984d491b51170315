import Foundation
import NumCore
import Datasets

/// What a retrieval request starts from.
public enum QuerySource: Sendable, Equatable {
    /// A user of the run, by external id (their vector from training; `exclude_seen` drops
    /// their training items).
    case user(String)
    /// Item ids a user interacted with, pooled by the user tower (optionally with a known
    /// user's ID embedding when the tower has one).
    case history([String], user: String?)
    /// A raw query vector of the model's dimension (L2-normalised here).
    case vector([Float])
}

/// Which index answers a request.
public enum IndexChoice: String, Sendable, Codable {
    /// Exact inner-product search over every item.
    case exact
    /// The IVF index (when loaded), with `nprobe` lists.
    case ivf
    /// The external vector database (when the server was started with one, e.g. pgvector).
    case vectordb
}

/// A retrieval request, independent of its transport.
public struct RetrievalQuery: Sendable {
    /// Where the query vector comes from.
    public var source: QuerySource
    /// How many items to return.
    public var k: Int
    /// Skip the items the user has seen (training items for `.user`, the history itself for
    /// `.history`).
    public var excludeSeen: Bool
    /// Further item ids to skip.
    public var exclude: [String]
    /// Which index answers (default: the server's).
    public var index: IndexChoice?
    /// IVF lists to probe (default: the index's).
    public var nprobe: Int?

    /// A request with the given fields.
    public init(source: QuerySource, k: Int, excludeSeen: Bool = true, exclude: [String] = [],
                index: IndexChoice? = nil, nprobe: Int? = nil) {
        self.source = source; self.k = k; self.excludeSeen = excludeSeen; self.exclude = exclude
        self.index = index; self.nprobe = nprobe
    }
}

/// One item of an answer, with its external id.
public struct RetrievedItem: Sendable, Equatable, Codable {
    /// External item id.
    public var id: String
    /// Inner product with the query vector.
    public var score: Float
}

/// Everything a server needs to answer requests for one run: the run, the exact index, the
/// IVF index when one was given, and the checks that turn bad requests into
/// ``ServingError``s.
public final class Retriever: @unchecked Sendable {
    /// The loaded run.
    public let run: ServingRun
    /// Exact search over every item.
    public let exact: ExactIndex
    /// The IVF index, if loaded.
    public let ivf: IVFIndex?
    /// The IVF index's recall@K against exact search, measured when it was built (nil
    /// without an index, or for an index built before esans measured it).
    public let ivfRecall: IndexRecall?
    /// The vector database that holds the item vectors, if the server was started with one.
    public let external: (any ExternalIndex)?
    /// The index a request uses when it does not say.
    public let defaultIndex: IndexChoice
    /// Largest `k` a request may ask for.
    public let maxK: Int
    /// Largest nprobe a request may send (values above the number of lists probe them all).
    public static let maxProbes = 1_000_000
    /// Longest history or exclusion list a request may send.
    public let maxListLength = 10_000
    private let encoder: HistoryEncoder

    /// A retriever over `run`, with `external` (a vector database), else `ivf`, as the default
    /// index when given; `ivfRecall` is the IVF index's measured recall, when known.
    public init(run: ServingRun, ivf: IVFIndex?, ivfRecall: IndexRecall? = nil, maxK: Int = 1000,
                external: (any ExternalIndex)? = nil) {
        self.run = run
        self.exact = ExactIndex(items: run.items)
        self.ivf = ivf
        self.ivfRecall = ivf == nil ? nil : ivfRecall
        self.external = external
        self.defaultIndex = external != nil ? .vectordb : ivf == nil ? .exact : .ivf
        self.maxK = min(maxK, run.items.rows)
        self.encoder = HistoryEncoder(userTower: run.model.userTower)
    }

    /// Whether `.history` queries without a user work with this model.
    public var supportsHistory: Bool { encoder.poolsHistory && !encoder.needsFeatures }

    /// Answers `query`, best first.
    /// - Throws: ``ServingError``: `invalidRequest` for k out of range, a wrong vector
    ///   dimension, a non-finite or zero vector, too long lists; `notFound` for unknown ids;
    ///   `unsupported` for a history query the user tower cannot encode, or IVF (a vector
    ///   database) without one; `invalidRequest` for nprobe outside 1...``maxProbes`` (above the
    ///   number of lists probes them all); `unavailable` when the vector database fails.
    public func retrieve(_ query: RetrievalQuery) throws -> [RetrievedItem] {
        try checkK(query.k)
        guard query.exclude.count <= maxListLength else {
            throw ServingError(.invalidRequest, "exclude has \(query.exclude.count) ids; at most \(maxListLength)")
        }
        var excluded = try query.exclude.map { try item($0, field: "exclude") }
        var vector: [Float]
        switch query.source {
        case .user(let id):
            let u = try user(id, field: "user_id")
            vector = run.users.rowArray(u)
            if query.excludeSeen { excluded += run.known.items(of: u) }
        case .history(let ids, let userID):
            guard supportsHistory else {
                throw ServingError(.unsupported, "this model's user tower does not pool a history (train with --history); send user_id or vector")
            }
            if encoder.needsUserID && userID == nil {
                throw ServingError(.unsupported, "this model's user tower also needs the user's id embedding; send user_id with history")
            }
            guard !ids.isEmpty else { throw ServingError(.invalidRequest, "history is empty") }
            guard ids.count <= maxListLength else {
                throw ServingError(.invalidRequest, "history has \(ids.count) items; at most \(maxListLength)")
            }
            let items = try ids.map { try item($0, field: "history") }
            let u = try userID.map { Int32(try user($0, field: "user_id")) }
            vector = encoder.encode(history: items, user: u)
            if query.excludeSeen { excluded += items }
        case .vector(let v):
            guard v.count == run.dimension else {
                throw ServingError(.invalidRequest, "vector has \(v.count) values; this model's dimension is \(run.dimension)")
            }
            guard v.allSatisfy(\.isFinite) else { throw ServingError(.invalidRequest, "vector has a non-finite value") }
            // The norm in Double: in Float the squares of values above about 1.8e19 overflow
            // (every score became 0) and those below about 4e-23 underflow ("all zeros").
            var norm: Double = 0
            for x in v { norm += Double(x) * Double(x) }
            guard norm > 0 else { throw ServingError(.invalidRequest, "vector is all zeros") }
            let inv = 1 / norm.squareRoot()
            vector = v.map { Float(Double($0) * inv) }
        }
        excluded.sort()
        return try search(vector, k: query.k, excluding: excluded, index: query.index, nprobe: query.nprobe)
    }

    /// The `k` items most similar to item `id` (the item itself excluded).
    public func similar(to id: String, k: Int, index: IndexChoice? = nil, nprobe: Int? = nil) throws -> [RetrievedItem] {
        try checkK(k)
        let i = try item(id, field: "item id")
        return try search(run.items.rowArray(Int(i)), k: k, excluding: [i], index: index, nprobe: nprobe)
    }

    /// Searches with the chosen index and maps indices to external ids.
    private func search(_ vector: [Float], k: Int, excluding: [Int32], index: IndexChoice?, nprobe: Int?) throws -> [RetrievedItem] {
        let choice = index ?? defaultIndex
        // Above the number of lists means "all lists", as in faiss.
        if let nprobe, nprobe < 1 || nprobe > Self.maxProbes {
            throw ServingError(.invalidRequest, "nprobe must be in 1...\(Self.maxProbes), got \(nprobe)")
        }
        let hits: [Neighbor]
        if choice == .vectordb {
            guard let external else {
                throw ServingError(.unsupported, "no vector database is attached; start the server with --backend pgvector or milvus")
            }
            hits = try external.search(vector, k: k, excluding: excluding, count: run.dataset.numItems)
        } else {
            hits = try vector.withUnsafeBufferPointer { q in
                try excluding.withUnsafeBufferPointer { ex in
                    switch choice {
                    case .exact, .vectordb:
                        return exact.search(q, k: k, excluding: ex)
                    case .ivf:
                        guard let ivf else { throw ServingError(.unsupported, "no IVF index is loaded; start the server with --index") }
                        return ivf.search(q, k: k, nprobe: nprobe ?? ivf.defaultProbes, excluding: ex)
                    }
                }
            }
        }
        let names = run.itemIDs
        return hits.map { RetrievedItem(id: names[Int($0.item)], score: $0.score) }
    }

    private func checkK(_ k: Int) throws {
        guard k >= 1 && k <= maxK else { throw ServingError(.invalidRequest, "k must be in 1...\(maxK), got \(k)") }
    }

    private func user(_ id: String, field: String) throws -> Int {
        guard let u = run.dataset.users.index(of: id) else { throw ServingError(.notFound, "unknown user id '\(id)' (\(field))") }
        return u
    }

    private func item(_ id: String, field: String) throws -> Int32 {
        guard let i = run.itemIDs.index(of: id) else { throw ServingError(.notFound, "unknown item id '\(id)' (\(field))") }
        return Int32(i)
    }
}

extension Retriever {
    /// Loads the run in `runDirectory` and, when given, the IVF index in `indexDirectory`
    /// (which must have been built on this run's item vectors); `external`, when given,
    /// attaches a vector database to the loaded run (and checks that it holds the run's items).
    public static func load(runDirectory: URL, indexDirectory: URL?, maxK: Int = 1000,
                            external: ((ServingRun) throws -> any ExternalIndex)? = nil) throws -> Retriever {
        let run = try ServingRun(directory: runDirectory)
        let read = try indexDirectory.map { try IVFIndexFile.read(from: $0, items: run.items, dataFingerprint: run.dataFingerprint) }
        return Retriever(run: run, ivf: read?.index, ivfRecall: read.flatMap { IndexRecall(metadata: $0.metadata) }, maxK: maxK,
                         external: try external?(run))
    }
}
