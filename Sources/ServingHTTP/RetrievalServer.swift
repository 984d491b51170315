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
    /// Called on the reload queue ``SignalReloader/settleSeconds`` after each SIGHUP reload
    /// (whether it succeeded or not), once the requests that still held the previous run
    /// have finished with it: `esans serve` hands the freed heap back to the system there.
    public let afterReload: @Sendable () -> Void

    /// A server over `state`.
    public init(state: ServingState, options: ServerOptions, logger: Logger, afterReload: @escaping @Sendable () -> Void = {}) {
        self.state = state
        self.options = options
        self.logger = logger
        self.afterReload = afterReload
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
        let reloader = SignalReloader(state: state, logger: logger, afterReload: afterReload)
        reloader.start()
        defer { reloader.stop() }
        try await application(onRunning: onRunning).runService(gracefulShutdownSignals: [.sigterm, .sigint])
        logger.info("stopped", metadata: ["requests_2xx": "\(state.metrics.requests(status: 200))"])
    }
}

/// Calls ``ServingState/reload(logger:)`` on a background queue whenever SIGHUP arrives,
/// then `afterReload` on the same queue ``settleSeconds`` later.
final class SignalReloader: @unchecked Sendable {
    /// How long after a reload `afterReload` runs: requests in flight on the previous run
    /// finish within it, so by then the previous run has been freed.
    static let settleSeconds = 1.0
    private let state: ServingState
    private let logger: Logger
    private let afterReload: @Sendable () -> Void
    private let queue = DispatchQueue(label: "esans.reload")
    private var source: (any DispatchSourceSignal)?

    init(state: ServingState, logger: Logger, afterReload: @escaping @Sendable () -> Void = {}) {
        self.state = state
        self.logger = logger
        self.afterReload = afterReload
    }

    func start() {
        signal(SIGHUP, SIG_IGN)  // handled by the dispatch source instead of terminating
        let s = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        let state = state, logger = logger, queue = queue, afterReload = afterReload
        s.setEventHandler {
            logger.info("SIGHUP: reloading")
            state.reload(logger: logger)
            queue.asyncAfter(deadline: .now() + Self.settleSeconds, execute: afterReload)
        }
        s.resume()
        source = s
    }

    func stop() {
        source?.cancel()
        source = nil
    }
}
