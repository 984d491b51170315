import Foundation
import Hummingbird
import Logging
import Serving

/// The retrieval service: a Hummingbird application over a ``ServingState``, stopped
/// gracefully on SIGTERM or SIGINT (in-flight requests finish, then the process exits) and
/// reloaded on SIGHUP (the run and index are read again in the background and swapped in;
/// requests keep being answered by the old run meanwhile).
public struct RetrievalServer: Sendable {
    /// The state the routes read.
    public let state: ServingState
    /// Bind address and limits.
    public let options: ServerOptions
    /// Lifecycle and request logger.
    public let logger: Logger

    /// A server over `state`.
    public init(state: ServingState, options: ServerOptions, logger: Logger) {
        self.state = state
        self.options = options
        self.logger = logger
    }

    /// The Hummingbird application (used directly by tests with `HummingbirdTesting`).
    /// `onRunning` receives the bound port.
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = RetrievalRoutes.router(state: state, options: options)
        let log = logger
        return Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "esans"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                log.info("listening", metadata: ["host": "\(channel.localAddress?.ipAddress ?? "?")", "port": "\(port)"])
                await onRunning(port)
            },
            logger: logger)
    }

    /// Runs until SIGTERM or SIGINT, reloading on SIGHUP.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let reloader = SignalReloader(state: state, logger: logger)
        reloader.start()
        defer { reloader.stop() }
        try await application(onRunning: onRunning).runService(gracefulShutdownSignals: [.sigterm, .sigint])
        logger.info("stopped", metadata: ["requests_2xx": "\(state.metrics.requests(status: 200))"])
    }
}

/// Calls ``ServingState/reload(logger:)`` on a background queue whenever SIGHUP arrives.
final class SignalReloader: @unchecked Sendable {
    private let state: ServingState
    private let logger: Logger
    private let queue = DispatchQueue(label: "esans.reload")
    private var source: (any DispatchSourceSignal)?

    init(state: ServingState, logger: Logger) {
        self.state = state
        self.logger = logger
    }

    func start() {
        signal(SIGHUP, SIG_IGN)  // handled by the dispatch source instead of terminating
        let s = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        let state = state, logger = logger
        s.setEventHandler {
            logger.info("SIGHUP: reloading")
            state.reload(logger: logger)
        }
        s.resume()
        source = s
    }

    func stop() {
        source?.cancel()
        source = nil
    }
}
