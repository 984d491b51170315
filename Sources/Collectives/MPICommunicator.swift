import CMPI
import Foundation

/// `MPI_COMM_WORLD` of Open MPI, through the `CMPI` shim that loads `libmpi.so.40` at run
/// time. Create it once per process with ``initialize()`` (usually through
/// ``ProcessGroup/join(environment:)``), call it from the thread that created it only (MPI is
/// initialised with `MPI_THREAD_FUNNELED`), and ``finalize()`` before the process exits.
///
/// Arrays travel as bytes (`MPI_BYTE`), reductions as `MPI_FLOAT`, `MPI_DOUBLE` and
/// `MPI_INT64_T` with `MPI_SUM`. MPI's counts are 32-bit: one message holds at most
/// 2 GiB − 1 bytes. Open MPI's default error handler ends every rank on a communication error.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// Why Open MPI cannot be loaded here, or nil when it can (does not initialise MPI).
    public static var unavailableReason: String? {
        var message = [CChar](repeating: 0, count: 512)
        return esans_mpi_load(&message, message.count) == Int32(ESANS_MPI_OK.rawValue) ? nil : string(message)
    }

    /// The library's version text, such as "Open MPI v4.1.4, ...", or nil when unavailable.
    public static var libraryVersion: String? {
        var message = [CChar](repeating: 0, count: 512)
        return esans_mpi_library_version(&message, message.count) == Int32(ESANS_MPI_OK.rawValue) ? string(message) : nil
    }

    /// Initialises MPI (`MPI_Init_thread`, funnelled) and returns the world communicator.
    /// - Throws: ``CommunicatorError/unavailable(_:)`` when Open MPI cannot be loaded or
    ///   initialised.
    public static func initialize() throws -> MPICommunicator {
        var message = [CChar](repeating: 0, count: 512)
        guard esans_mpi_init(&message, message.count) == Int32(ESANS_MPI_OK.rawValue) else {
            throw CommunicatorError.unavailable(string(message))
        }
        var rank: Int32 = 0, size: Int32 = 0
        check(esans_mpi_rank(&rank), "MPI_Comm_rank")
        check(esans_mpi_size(&size), "MPI_Comm_size")
        return MPICommunicator(rank: Int(rank), size: Int(size))
    }

    /// `MPI_Finalize`; the communicator must not be used afterwards.
    public func finalize() { _ = esans_mpi_finalize() }

    /// `MPI_Abort`: ends every rank of the job with `code` (a rank that fails alone would
    /// otherwise leave the others waiting in a collective).
    public func abort(code: Int32) -> Never {
        esans_mpi_abort(code)
        exit(code)
    }

    public func barrier() { Self.check(esans_mpi_barrier(), "MPI_Barrier") }

    public func allReduceSum(_ values: [Double]) -> [Double] { reduce(values, ESANS_MPI_DOUBLE) }
    public func allReduceSum(_ values: [Float]) -> [Float] { reduce(values, ESANS_MPI_FLOAT) }
    public func allReduceSum(_ values: [Int]) -> [Int] { reduce(values.map { Int64($0) }, ESANS_MPI_INT64).map { Int($0) } }

    public func allGather<T: BitwiseCopyable>(_ values: [T]) -> [T] {
        let bytes = Self.int32(values.count * MemoryLayout<T>.stride, "allGather")
        let n = values.count * size
        return values.withUnsafeBytes { send in
            [T](unsafeUninitializedCapacity: n) { buffer, initialized in
                Self.check(esans_mpi_allgather_bytes(send.baseAddress, bytes, buffer.baseAddress), "MPI_Allgather")
                initialized = n
            }
        }
    }

    public func allGatherv<T: BitwiseCopyable>(_ values: [T]) -> [[T]] {
        let stride = MemoryLayout<T>.stride
        let counts = allGather([Int64(values.count)]).map { Int($0) }
        let total = counts.reduce(0, +)
        var byteCounts = [Int32](), displs = [Int32]()
        var offset = 0
        for c in counts {
            byteCounts.append(Self.int32(c * stride, "allGatherv"))
            displs.append(Self.int32(offset * stride, "allGatherv"))
            offset += c
        }
        _ = Self.int32(total * stride, "allGatherv")
        var flat = [UInt8](repeating: 0, count: total * stride)
        values.withUnsafeBytes { send in
            flat.withUnsafeMutableBytes { recv in
                Self.check(esans_mpi_allgatherv_bytes(send.baseAddress, byteCounts[rank], recv.baseAddress, byteCounts, displs),
                           "MPI_Allgatherv")
            }
        }
        return Self.unpacked(flat, counts: counts)
    }

    public func broadcast<T: BitwiseCopyable>(_ values: [T], root: Int) -> [T] {
        precondition(root >= 0 && root < size, "broadcast: root \(root) out of 0..<\(size)")
        var count = [Int64(values.count)]
        count.withUnsafeMutableBytes { Self.check(esans_mpi_bcast_bytes($0.baseAddress, 8, Int32(root)), "MPI_Bcast") }
        let n = Int(count[0])
        let bytes = Self.int32(n * MemoryLayout<T>.stride, "broadcast")
        if rank == root {
            var data = values
            data.withUnsafeMutableBytes { Self.check(esans_mpi_bcast_bytes($0.baseAddress, bytes, Int32(root)), "MPI_Bcast") }
            return data
        }
        return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            Self.check(esans_mpi_bcast_bytes(buffer.baseAddress, bytes, Int32(root)), "MPI_Bcast")
            initialized = n
        }
    }

    public func allToAllv<T: BitwiseCopyable>(_ send: [[T]]) -> [[T]] {
        precondition(send.count == size, "allToAllv: \(send.count) messages for \(size) ranks")
        let stride = MemoryLayout<T>.stride
        var sendCounts = send.map { Int64($0.count) }
        var recvCounts = [Int64](repeating: 0, count: size)
        sendCounts.withUnsafeMutableBytes { s in
            recvCounts.withUnsafeMutableBytes { r in
                Self.check(esans_mpi_alltoall_bytes(s.baseAddress, 8, r.baseAddress), "MPI_Alltoall")
            }
        }
        func layout(_ counts: [Int64]) -> (bytes: [Int32], displs: [Int32], total: Int) {
            var bytes = [Int32](), displs = [Int32](), offset = 0
            for c in counts {
                bytes.append(Self.int32(Int(c) * stride, "allToAllv"))
                displs.append(Self.int32(offset * stride, "allToAllv"))
                offset += Int(c)
            }
            _ = Self.int32(offset * stride, "allToAllv")
            return (bytes, displs, offset)
        }
        let s = layout(sendCounts), r = layout(recvCounts)
        let flatSend = Self.packed(send)
        var flat = [UInt8](repeating: 0, count: r.total * stride)
        flatSend.withUnsafeBytes { sendBytes in
            flat.withUnsafeMutableBytes { recvBytes in
                Self.check(esans_mpi_alltoallv_bytes(sendBytes.baseAddress, s.bytes, s.displs, recvBytes.baseAddress, r.bytes, r.displs),
                           "MPI_Alltoallv")
            }
        }
        return Self.unpacked(flat, counts: recvCounts.map { Int($0) })
    }

    /// The bytes of `parts`, end to end. Whole-buffer copies: the generic code is not
    /// specialised for the caller's element type, so an element-wise loop would crawl.
    private static func packed<T: BitwiseCopyable>(_ parts: [[T]]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: parts.reduce(0) { $0 + $1.count } * MemoryLayout<T>.stride)
        out.withUnsafeMutableBytes { dst in
            var offset = 0
            for part in parts {
                part.withUnsafeBytes { src in
                    if src.count > 0 { (dst.baseAddress! + offset).copyMemory(from: src.baseAddress!, byteCount: src.count) }
                    offset += src.count
                }
            }
        }
        return out
    }

    /// `bytes` cut into arrays of `counts[i]` values each, in order.
    private static func unpacked<T: BitwiseCopyable>(_ bytes: [UInt8], counts: [Int]) -> [[T]] {
        let stride = MemoryLayout<T>.stride
        return bytes.withUnsafeBytes { src in
            var offset = 0
            return counts.map { c in
                defer { offset += c * stride }
                return [T](unsafeUninitializedCapacity: c) { buffer, initialized in
                    if c > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: src.baseAddress! + offset, byteCount: c * stride) }
                    initialized = c
                }
            }
        }
    }

    private func reduce<T>(_ values: [T], _ type: esans_mpi_type) -> [T] {
        let count = Self.int32(values.count, "allReduceSum")
        return values.withUnsafeBytes { send in
            [T](unsafeUninitializedCapacity: values.count) { buffer, initialized in
                Self.check(esans_mpi_allreduce_sum(send.baseAddress, buffer.baseAddress, count, Int32(type.rawValue)), "MPI_Allreduce")
                initialized = values.count
            }
        }
    }

    /// `n` as an MPI count, or a stop naming the operation when it does not fit.
    private static func int32(_ n: Int, _ operation: String) -> Int32 {
        guard let v = Int32(exactly: n) else {
            fatalError("\(operation): \(n) bytes do not fit one MPI message (at most \(Int32.max)); send it in parts")
        }
        return v
    }

    /// Stops with MPI's message when a call failed (Open MPI's default handler usually aborts first).
    private static func check(_ status: Int32, _ call: String) {
        if status == Int32(ESANS_MPI_OK.rawValue) { return }
        var message = [CChar](repeating: 0, count: 512)
        esans_mpi_error_string(status, &message, message.count)
        fatalError("\(call) failed: \(string(message))")
    }

    private static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
