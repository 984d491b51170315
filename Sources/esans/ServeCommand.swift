import ArgumentParser
import Foundation
import Logging
import NumCore
import Serving
import ServingHTTP
import VectorDB

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a run over HTTP: POST /v1/retrieve, GET /v1/items/{id}/similar, GET /healthz, GET /metrics.",
        discussion: """
        JSON in and out (see openapi.yaml). With --index the IVF index answers by default ("index": "exact" \
        in a request asks for exact search). SIGTERM or SIGINT stops gracefully; SIGHUP reloads --run and \
        --index from disk and swaps them in without dropping requests. Logs are JSON lines on stderr.

        --backend pgvector answers from a PostgreSQL + pgvector table written by `esans export --to \
        pgvector` ("index": "vectordb", the default then): the server computes the user vector itself \
        and asks the database for the nearest items (k plus the excluded ones, then drops those). The \
        table must hold this run's items (checked at startup and on reload). Needs libpq at run time.

        --backend milvus does the same with a Milvus collection (the alias --collection written by `esans \
        export --to milvus`) on the server of --address, over gRPC; --ef-search is HNSW's ef and --probes \
        IVF_FLAT's nprobe. Needs the gRPC C library at run time (Debian: libgrpc29).
        """)

    @Option(name: .customLong("run"), help: "Run directory written by `esans train`.") var runDirectory: String
    @Option(help: "Index directory written by `esans index build` (optional).") var index: String?
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: any free port).") var port = 8080
    @Option(help: "Largest request body in bytes.") var maxBody = 256 * 1024
    @Option(help: "Largest k a request may ask for.") var maxK = 1000
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "Kernel threads (0 = all cores).") var threads = 0
    @Option(help: "Where item search runs by default: local (exact, or --index), pgvector (--dsn, --table) or milvus (--address, --collection).") var backend = "local"
    @Option(help: "pgvector: libpq connection string (empty: the PG* variables).") var dsn = ""
    @Option(help: "pgvector: table written by `esans export --to pgvector`.") var table = "esans_items"
    @Option(help: "milvus: the server's gRPC address, host:port.") var address = "127.0.0.1:19530"
    @Option(help: "milvus: the collection (alias) written by `esans export --to milvus`.") var collection = "esans_items"
    @Option(help: "pgvector: hnsw.ef_search; milvus: HNSW ef (raised to k plus the excluded items; pgvector up to 1000).") var efSearch = 100
    @Option(help: "pgvector: ivfflat.probes; milvus: IVF_FLAT nprobe.") var probes = 10
    @Option(help: "pgvector: idle database connections kept open.") var dbConnections = 4

    func validate() throws {
        guard backend == "local" || backend == "pgvector" || backend == "milvus" else {
            throw ValidationError("--backend must be local, pgvector or milvus, not '\(backend)'")
        }
        if backend != "pgvector" && !dsn.isEmpty { throw ValidationError("--dsn goes with --backend pgvector") }
        if backend == "milvus" {
            if let why = MilvusSchema.validateName(collection) { throw ValidationError("--collection: \(why)") }
            if let why = ExportCommand.addressProblem(address) { throw ValidationError("--address: \(why)") }
        }
        if let why = PGVectorSchema.validateName(table) { throw ValidationError("--table: \(why)") }
        guard (1...PGVectorIndex.maxEfSearch).contains(efSearch) else {
            throw ValidationError("--ef-search must be in 1...\(PGVectorIndex.maxEfSearch), got \(efSearch)")
        }
        guard probes >= 1 else { throw ValidationError("--probes must be at least 1, got \(probes)") }
        guard dbConnections >= 1 else { throw ValidationError("--db-connections must be at least 1, got \(dbConnections)") }
    }

    func run() throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        if threads > 0 { WorkerPool.configure(threads: threads) }
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        let logger = Logger(label: "esans.serve")
        // A SIGHUP while loading must not kill the process; the server's reloader takes over
        // the signal once it runs.
        signal(SIGHUP, SIG_IGN)
        #if canImport(Glibc)
        // A fixed mmap threshold keeps glibc from raising it after the first large free, so the
        // vectors of a run replaced by a reload go back to the system instead of staying in
        // the heap (RSS stays flat across reloads).
        // mallopt is not in the Glibc module map; M_MMAP_THRESHOLD is -3 in <malloc.h>.
        if let sym = dlsym(nil, "mallopt") {
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            _ = unsafeBitCast(sym, to: Mallopt.self)(-3, 256 * 1024)
        }
        #endif
        let server = try makeServer(logger: logger)
        // ArgumentParser's root command is synchronous: run the server on the concurrency pool
        // and wait for it here.
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do { try await server.run() } catch { failure.set(error) }
            done.signal()
        }
        done.wait()
        if let error = failure.get() {
            // NIO's bind error names neither the port nor the host: say which.
            if ReadableError.isAddressInUse(error) { throw CommandFailure(message: ReadableError.portInUse(port, host: host)) }
            throw error
        }
    }
}

extension ServeCommand {
    /// Loads the run (and index) and wraps it in a server. No reference to the first retriever
    /// outlives this function, so a reload frees it.
    private func makeServer(logger: Logger) throws -> RetrievalServer {
        let runURL = URL(fileURLWithPath: runDirectory)
        let indexURL = index.map { URL(fileURLWithPath: $0) }
        let maxK = maxK
        let external: (@Sendable (ServingRun) throws -> any ExternalIndex)?
        if backend == "pgvector" {
            let (dsn, table, ef, probes, idle) = (dsn, table, efSearch, probes, dbConnections)
            external = { try PGVectorIndex(dsn: dsn, table: table, run: $0, efSearch: ef, probes: probes, maxIdle: idle) }
        } else if backend == "milvus" {
            let (address, name, ef, probes) = (address, collection, efSearch, probes)
            external = { try MilvusIndex(address: address, name: name, run: $0, ef: ef, nprobe: probes) }
        } else {
            external = nil
        }
        let load: @Sendable () throws -> Retriever = {
            try Retriever.load(runDirectory: runURL, indexDirectory: indexURL, maxK: maxK, external: external)
        }
        let t0 = Date()
        let initial: Retriever
        do { initial = try load() } catch let e as ServingError { throw ValidationError(e.message) }
        var loaded: Logger.Metadata = [
            "run": "\(runURL.path)", "users": "\(initial.run.dataset.numUsers)", "items": "\(initial.run.items.rows)",
            "index": "\(initial.defaultIndex.rawValue)", "lists": "\(initial.ivf?.lists ?? 0)",
            "vectordb": "\(initial.external?.summary ?? "")",
            "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(t0)))",
            "rss_bytes": "\(RetrievalRoutes.residentBytes())",
        ]
        if let indexURL, let ivf = initial.ivf {
            loaded["index_path"] = "\(indexURL.path)"
            loaded["default_nprobe"] = "\(ivf.defaultProbes)"
            if let r = initial.ivfRecall {
                loaded["ivf_recall"] = "\(String(format: "%.4f", r.recall))"
                loaded["ivf_recall_k"] = "\(r.k)"
                loaded["ivf_recall_nprobe"] = "\(r.nprobe)"
            }
        }
        logger.info("loaded", metadata: loaded)
        for warning in Self.indexWarnings(initial) { logger.warning("\(warning)") }
        return RetrievalServer(state: ServingState(initial: initial, loader: load),
                               options: ServerOptions(host: host, port: port, maxBodyBytes: maxBody), logger: logger,
                               afterReload: { Self.releaseFreedHeap(logger: logger) })
    }

    /// Hands the heap freed by a reload back to the system. A reload's parsing garbage and
    /// the previous run's smaller arrays are freed into whichever malloc arenas the loading
    /// and request threads used, and glibc keeps them: over a 10-minute soak with a reload
    /// every 30 s the RSS of an ML-100K server drifted 46 -> 49-51 MB, back to 45 MB after a
    /// `malloc_trim(0)` (scripts/soak.sh).
    private static func releaseFreedHeap(logger: Logger) {
        #if canImport(Glibc)
        // Not in the Glibc module map either, like mallopt.
        guard let sym = dlsym(nil, "malloc_trim") else { return }
        typealias MallocTrim = @convention(c) (Int) -> Int32
        let before = RetrievalRoutes.residentBytes()
        _ = unsafeBitCast(sym, to: MallocTrim.self)(0)
        logger.debug("heap trimmed after reload", metadata: [
            "rss_bytes_before": "\(before)", "rss_bytes": "\(RetrievalRoutes.residentBytes())",
        ])
        #endif
    }
}

extension ServeCommand {
    /// What a server answering with `retriever`'s IVF index by default should be told: an
    /// index whose recall was never measured, or was measured below
    /// ``IndexRecall/defaultMinimum``, or at another nprobe than the one it serves with.
    static func indexWarnings(_ retriever: Retriever) -> [String] {
        guard let ivf = retriever.ivf else { return [] }
        guard let r = retriever.ivfRecall else {
            return ["the IVF index answers requests by default and its recall was never measured (built before esans recorded it); "
                    + "rebuild it with `esans index build` or check it with `esans index eval`"]
        }
        var out: [String] = []
        if r.recall < IndexRecall.defaultMinimum {
            out.append("the IVF index answers requests by default with a measured \(r.summary), below \(IndexRecall.defaultMinimum); "
                       + "send \"index\": \"exact\" or rebuild it (esans index build) with a larger --nprobe or k-means lists")
        }
        if r.nprobe != ivf.defaultProbes {
            out.append("the IVF index's recall was measured at nprobe \(r.nprobe), and it serves with nprobe \(ivf.defaultProbes)")
        }
        return out
    }
}

/// The error of the server task, handed to the waiting thread.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ e: any Error) { lock.lock(); error = e; lock.unlock() }
    func get() -> (any Error)? { lock.lock(); defer { lock.unlock() }; return error }
}
