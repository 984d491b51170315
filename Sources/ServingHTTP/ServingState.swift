import Foundation
import Logging
import Serving
import Synchronization

/// The retriever currently serving, swapped atomically on reload.
///
/// A request takes a reference to the current ``Retriever`` once and keeps it to the end, so
/// a reload never drops or mixes requests: in-flight requests finish on the old run, new ones
/// start on the new run, and the old run is freed when its last request completes.
public final class ServingState: Sendable {
    private let current: Mutex<Retriever>
    private let reloading = Mutex(false)
    private let loader: @Sendable () throws -> Retriever
    /// Request and reload metrics.
    public let metrics: ServingMetrics

    /// State starting from `initial`; `loader` builds a fresh retriever on reload.
    public init(initial: Retriever, metrics: ServingMetrics = ServingMetrics(), loader: @escaping @Sendable () throws -> Retriever) {
        current = Mutex(initial)
        self.loader = loader
        self.metrics = metrics
    }

    /// The retriever a new request should use.
    public var retriever: Retriever { current.withLock { $0 } }

    /// Loads a new retriever and swaps it in; on failure the old one keeps serving.
    /// Returns false without loading when a reload is already running.
    @discardableResult
    public func reload(logger: Logger) -> Bool {
        let start = reloading.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard start else {
            logger.warning("reload already in progress; signal ignored")
            return false
        }
        defer { reloading.withLock { $0 = false } }
        let t0 = Date()
        do {
            let fresh = try loader()
            current.withLock { $0 = fresh }
            metrics.recordReload(result: "ok")
            logger.info("reloaded", metadata: [
                "run": "\(fresh.run.directory.path)", "items": "\(fresh.run.items.rows)",
                "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(t0)))",
            ])
            return true
        } catch {
            metrics.recordReload(result: "error")
            logger.error("reload failed; still serving the previous run", metadata: ["error": "\(error)"])
            return false
        }
    }
}
