import Foundation

/// Connections to one server, handed to one caller at a time. A caller that finds none idle
/// opens a new one; at most `maxIdle` are kept between calls, and a broken connection is
/// dropped instead of being returned.
public final class PostgresPool: @unchecked Sendable {
    /// The connection string.
    public let dsn: String
    /// Most idle connections kept.
    public let maxIdle: Int
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []

    /// A pool for `dsn`, keeping up to `maxIdle` idle connections.
    public init(dsn: String, maxIdle: Int = 4) {
        self.dsn = dsn
        self.maxIdle = max(1, maxIdle)
    }

    /// Runs `body` with a connection of the pool (opened when none is idle).
    /// - Throws: ``VectorDBError`` when connecting fails, or `body`'s error.
    public func with<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let conn = try take()
        defer { give(conn) }
        return try body(conn)
    }

    private func take() throws -> PostgresConnection {
        lock.lock()
        let c = idle.popLast()
        lock.unlock()
        return try c ?? PostgresConnection(dsn: dsn)
    }

    private func give(_ c: PostgresConnection) {
        guard c.isHealthy else { return }
        lock.lock()
        if idle.count < maxIdle { idle.append(c) }
        lock.unlock()
    }
}
