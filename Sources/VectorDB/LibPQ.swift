import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The PostgreSQL client library (libpq), loaded with `dlopen` on first use.
///
/// Like the JPEG decoder's libjpeg, libpq is not linked: a plain `swift build` needs neither
/// the library nor its headers, and only `export --to pgvector` and `serve --backend pgvector`
/// need it at run time (Debian: `libpq5`). `ESANS_LIBPQ` names the file to load when it is not
/// on the loader's path. The few functions used are declared here from libpq's stable C API.
final class LibPQ: @unchecked Sendable {
    typealias Conn = OpaquePointer
    typealias Result = OpaquePointer

    let connectdb: @convention(c) (UnsafePointer<CChar>) -> Conn?
    let status: @convention(c) (Conn) -> Int32
    let errorMessage: @convention(c) (Conn) -> UnsafePointer<CChar>?
    let finish: @convention(c) (Conn) -> Void
    let reset: @convention(c) (Conn) -> Void
    let exec: @convention(c) (Conn, UnsafePointer<CChar>) -> Result?
    let execParams: @convention(c) (Conn, UnsafePointer<CChar>, Int32, UnsafePointer<UInt32>?,
                                    UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
                                    UnsafePointer<Int32>?, Int32) -> Result?
    let resultStatus: @convention(c) (Result) -> Int32
    let resultErrorMessage: @convention(c) (Result) -> UnsafePointer<CChar>?
    let ntuples: @convention(c) (Result) -> Int32
    let nfields: @convention(c) (Result) -> Int32
    let getvalue: @convention(c) (Result, Int32, Int32) -> UnsafePointer<CChar>?
    let getisnull: @convention(c) (Result, Int32, Int32) -> Int32
    let getlength: @convention(c) (Result, Int32, Int32) -> Int32
    let clear: @convention(c) (Result) -> Void
    let putCopyData: @convention(c) (Conn, UnsafePointer<CChar>, Int32) -> Int32
    let putCopyEnd: @convention(c) (Conn, UnsafePointer<CChar>?) -> Int32
    let getResult: @convention(c) (Conn) -> Result?

    /// `ConnStatusType`'s CONNECTION_OK.
    static let connectionOK: Int32 = 0
    /// `ExecStatusType` values used here.
    static let commandOK: Int32 = 1, tuplesOK: Int32 = 2, copyIn: Int32 = 4

    /// The library names tried, in order, after `ESANS_LIBPQ`.
    static let candidates = ["libpq.so.5", "libpq.so", "libpq.5.dylib", "/opt/homebrew/opt/libpq/lib/libpq.5.dylib",
                             "/usr/local/opt/libpq/lib/libpq.5.dylib"]

    private init(handle: UnsafeMutableRawPointer) throws {
        func sym<T>(_ name: String, _: T.Type) throws -> T {
            guard let p = dlsym(handle, name) else { throw VectorDBError("libpq has no symbol \(name); is it libpq 9.1 or newer?") }
            return unsafeBitCast(p, to: T.self)
        }
        connectdb = try sym("PQconnectdb", type(of: connectdb))
        status = try sym("PQstatus", type(of: status))
        errorMessage = try sym("PQerrorMessage", type(of: errorMessage))
        finish = try sym("PQfinish", type(of: finish))
        reset = try sym("PQreset", type(of: reset))
        exec = try sym("PQexec", type(of: exec))
        execParams = try sym("PQexecParams", type(of: execParams))
        resultStatus = try sym("PQresultStatus", type(of: resultStatus))
        resultErrorMessage = try sym("PQresultErrorMessage", type(of: resultErrorMessage))
        ntuples = try sym("PQntuples", type(of: ntuples))
        nfields = try sym("PQnfields", type(of: nfields))
        getvalue = try sym("PQgetvalue", type(of: getvalue))
        getisnull = try sym("PQgetisnull", type(of: getisnull))
        getlength = try sym("PQgetlength", type(of: getlength))
        clear = try sym("PQclear", type(of: clear))
        putCopyData = try sym("PQputCopyData", type(of: putCopyData))
        putCopyEnd = try sym("PQputCopyEnd", type(of: putCopyEnd))
        getResult = try sym("PQgetResult", type(of: getResult))
    }

    private static let loaded: Swift.Result<LibPQ, VectorDBError> = {
        let env = ProcessInfo.processInfo.environment["ESANS_LIBPQ"].flatMap { $0.isEmpty ? nil : $0 }
        let names = env.map { [$0] } ?? candidates
        for name in names {
            guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
            do { return .success(try LibPQ(handle: h)) } catch let e as VectorDBError { return .failure(e) } catch {
                return .failure(VectorDBError("\(error)"))
            }
        }
        if let env { return .failure(VectorDBError("ESANS_LIBPQ=\(env): cannot load it (\(dlerrorText()))")) }
        return .failure(VectorDBError("the PostgreSQL client library libpq is not installed (tried \(candidates.joined(separator: ", "))); "
                                      + "install it (Debian: apt-get install libpq5) or name it with ESANS_LIBPQ"))
    }()

    /// The loaded library.
    /// - Throws: ``VectorDBError`` when libpq cannot be found or lacks a function.
    static func shared() throws -> LibPQ { try loaded.get() }

    private static func dlerrorText() -> String {
        guard let e = dlerror() else { return "unknown error" }
        return String(cString: e)
    }
}
