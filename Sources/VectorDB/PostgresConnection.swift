import Foundation

/// One connection to a PostgreSQL server through libpq: statements, parameterised queries
/// returning text rows, and `COPY ... FROM STDIN`.
///
/// Not thread-safe (libpq connections are not): one thread uses it at a time
/// (``PostgresPool`` hands connections out).
public final class PostgresConnection: @unchecked Sendable {
    private let pq: LibPQ
    private let conn: LibPQ.Conn
    /// Session settings already sent (name -> value), so that a query sets them only on change.
    var settings: [String: String] = [:]

    /// Connects with a libpq connection string: `postgresql://user@host:port/db` or
    /// `host=... port=... dbname=...`; empty uses libpq's defaults and its `PG*` variables.
    /// - Throws: ``VectorDBError`` when libpq is missing or the server refuses.
    public init(dsn: String) throws {
        pq = try LibPQ.shared()
        guard let c = pq.connectdb(dsn) else { throw VectorDBError("libpq could not allocate a connection") }
        guard pq.status(c) == LibPQ.connectionOK else {
            let why = Self.text(pq.errorMessage(c)).trimmed.replacingOccurrences(of: "\n", with: "; ")
            pq.finish(c)
            throw VectorDBError("cannot connect to PostgreSQL (\(Self.redacted(dsn))): \(why)")
        }
        conn = c
    }

    deinit { pq.finish(conn) }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { pq.status(conn) == LibPQ.connectionOK }

    /// Runs one or more statements that return no rows (or whose rows are ignored).
    /// - Throws: ``VectorDBError`` with the server's message and the statement.
    public func execute(_ sql: String) throws {
        let r = pq.exec(conn, sql)
        defer { if let r { pq.clear(r) } }
        try check(r, sql: sql, expect: [LibPQ.commandOK, LibPQ.tuplesOK])
    }

    /// Runs `sql` with text parameters `$1, $2, ...` (nil is SQL NULL) and returns its rows
    /// as text (nil for NULL).
    /// - Throws: ``VectorDBError`` with the server's message and the statement.
    public func query(_ sql: String, _ params: [String?] = []) throws -> [[String?]] {
        // strdup'd copies: the pointers must outlive the call.
        let copies: [UnsafeMutablePointer<CChar>?] = params.map { $0.map { strdup($0) } }
        defer { for p in copies { free(p) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let r = pointers.withUnsafeBufferPointer { values in
            pq.execParams(conn, sql, Int32(params.count), nil, values.baseAddress, nil, nil, 0)
        }
        defer { if let r { pq.clear(r) } }
        try check(r, sql: sql, expect: [LibPQ.tuplesOK, LibPQ.commandOK])
        guard let r else { return [] }
        let rows = Int(pq.ntuples(r)), cols = Int(pq.nfields(r))
        var out: [[String?]] = []
        out.reserveCapacity(rows)
        for i in 0..<rows {
            var row: [String?] = []
            row.reserveCapacity(cols)
            for j in 0..<cols {
                if pq.getisnull(r, Int32(i), Int32(j)) != 0 { row.append(nil); continue }
                row.append(Self.text(pq.getvalue(r, Int32(i), Int32(j))))
            }
            out.append(row)
        }
        return out
    }

    /// Runs `copy` (a `COPY ... FROM STDIN` statement) and sends the data that `produce`
    /// hands over, one chunk per call of `send`; ends the copy when `produce` returns.
    /// - Throws: ``VectorDBError`` when the server refuses the statement or the data (the
    ///   message names the failing row, as PostgreSQL reports it), or `produce`'s error.
    public func copyIn(_ copy: String, produce: ((Data) throws -> Void) throws -> Void) throws {
        let r = pq.exec(conn, copy)
        defer { if let r { pq.clear(r) } }
        try check(r, sql: copy, expect: [LibPQ.copyIn])
        var failure: (any Error)? = nil
        do {
            try produce { chunk in
                let ok = chunk.withUnsafeBytes { raw -> Int32 in
                    guard let base = raw.bindMemory(to: CChar.self).baseAddress else { return 1 }
                    return pq.putCopyData(conn, base, Int32(chunk.count))
                }
                if ok != 1 { throw VectorDBError("COPY: sending data failed: \(Self.text(pq.errorMessage(conn)))") }
            }
        } catch { failure = error }
        _ = pq.putCopyEnd(conn, failure == nil ? nil : "esans: export aborted")
        // Drain the results of the COPY; the first bad one is the server's verdict.
        var verdict: VectorDBError? = nil
        while let res = pq.getResult(conn) {
            let st = pq.resultStatus(res)
            if st != LibPQ.commandOK && verdict == nil {
                verdict = VectorDBError("COPY failed: \(Self.text(pq.resultErrorMessage(res)).trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            pq.clear(res)
        }
        if let failure { throw failure }
        if let verdict { throw verdict }
    }

    private func check(_ r: LibPQ.Result?, sql: String, expect: [Int32]) throws {
        guard let r else { throw VectorDBError("\(Self.text(pq.errorMessage(conn)).trimmed) (in: \(Self.abbreviated(sql)))") }
        let st = pq.resultStatus(r)
        guard expect.contains(st) else {
            var why = Self.text(pq.resultErrorMessage(r)).trimmed
            if why.isEmpty { why = Self.text(pq.errorMessage(conn)).trimmed }
            throw VectorDBError("PostgreSQL: \(why) (in: \(Self.abbreviated(sql)))")
        }
    }

    static func text(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }

    /// The first line of a statement, cut at 160 characters, for error messages.
    static func abbreviated(_ sql: String) -> String {
        let line = sql.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? sql
        return line.count > 160 ? String(line.prefix(160)) + "..." : line
    }

    /// A connection string without its password (`password=...` or `user:password@`).
    public static func redacted(_ dsn: String) -> String {
        var s = dsn
        if let r = s.range(of: #"password\s*=\s*('[^']*'|\S+)"#, options: .regularExpression) {
            s.replaceSubrange(r, with: "password=***")
        }
        if let r = s.range(of: #"://[^/@:]*:[^/@]*@"#, options: .regularExpression) {
            let user = s[r].dropFirst(3).prefix { $0 != ":" }
            s.replaceSubrange(r, with: "://\(user):***@")
        }
        return s
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
