import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 1-D numpy `.npy` file mapped into memory read-only: its header checked, its values
/// reachable as an `UnsafeBufferPointer` into the mapping (nothing is copied, and pages are
/// read from disk only when touched).
///
/// Only native little-endian data is mapped (`<i8`, `<i4`, `|i1`, `<f4`, ...: what numpy writes
/// on every common machine); a file in another byte order or of another dtype than the caller
/// expects is refused, naming the file and the dtype found. The mapping lives as long as the
/// value; buffers taken from it must not outlive it.
public final class MappedNPY: @unchecked Sendable {
    /// The file, for messages.
    public let url: URL
    /// The dtype string of the header, e.g. `<i8`.
    public let descr: String
    /// The shape of the header.
    public let shape: [Int]
    /// Number of values (the product of ``shape``).
    public let count: Int
    /// Bytes per value.
    public let itemSize: Int
    private let base: UnsafeMutableRawPointer
    private let mappedLength: Int
    private let dataOffset: Int

    /// Maps the file at `url` and checks that it is a 1-D `.npy` array of one
    /// of `dtypes` (e.g. `["<i8"]`) whose data is all there and aligned for its type.
    /// - Throws: ``TensorIOError`` naming the file: cannot open or map, bad magic, malformed
    ///   header, Fortran order, a dtype outside `dtypes`, a shape that is not 1-D, truncated data.
    public init(url: URL, dtypes: Set<String>) throws {
        self.url = url
        let name = url.lastPathComponent
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TensorIOError(file: name, problem: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw TensorIOError(file: name, problem: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw TensorIOError(file: name, problem: "not a regular file") }
        let length = Int(info.st_size)
        guard length >= 10 else { throw TensorIOError(file: name, problem: "not a .npy file (\(length) bytes, shorter than any header)") }
        let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0)
        guard let p = mapped, p != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw TensorIOError(file: name, problem: "cannot map: \(String(cString: strerror(errno)))")
        }
        do {
            let parsed = try Self.check(Data(bytesNoCopy: p, count: length, deallocator: .none), name: name, dtypes: dtypes)
            descr = parsed.descr
            itemSize = parsed.itemSize
            dataOffset = parsed.dataOffset
            count = parsed.count
            shape = [parsed.count]
        } catch {
            munmap(p, length)
            throw error
        }
        base = p
        mappedLength = length
    }

    /// The header of the mapped bytes checked against `dtypes`, a 1-D shape, the data's length and alignment.
    private static func check(_ bytes: Data, name: String, dtypes: Set<String>) throws
        -> (descr: String, itemSize: Int, dataOffset: Int, count: Int) {
        let parsed = try NPY.parseRaw(bytes, name: name)
        guard dtypes.contains(parsed.descr) else {
            throw TensorIOError(file: name, problem: "dtype '\(parsed.descr)', expected "
                                    + dtypes.sorted().map { "'\($0)'" }.joined(separator: " or ")
                                    + " (\(dtypes.sorted().map(dtypeName).joined(separator: " or ")))")
        }
        guard parsed.shape.count == 1 else {
            throw TensorIOError(file: name, problem: "shape \(parsed.shape), expected a 1-D array")
        }
        let count = parsed.shape[0], available = bytes.count - parsed.dataOffset
        let (needed, overflow) = count.multipliedReportingOverflow(by: parsed.itemSize)
        guard !overflow, available >= needed else {
            throw TensorIOError(file: name, problem: "truncated data: \(count) values of '\(parsed.descr)' need "
                                    + "\(overflow ? "more than Int.max" : String(needed)) bytes, the file has \(available) after its header")
        }
        guard parsed.dataOffset % parsed.itemSize == 0 else {
            throw TensorIOError(file: name, problem: "data starts at byte \(parsed.dataOffset), not a multiple of \(parsed.itemSize) (numpy aligns it to 64)")
        }
        return (parsed.descr, parsed.itemSize, parsed.dataOffset, count)
    }

    deinit {
        munmap(base, mappedLength)
    }

    /// The values as `T` (whose size must be ``itemSize``), valid while `self` lives.
    public func buffer<T>(of type: T.Type) -> UnsafeBufferPointer<T> {
        precondition(MemoryLayout<T>.size == itemSize, "MappedNPY: \(T.self) does not match '\(descr)'")
        guard count > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: (base + dataOffset).assumingMemoryBound(to: T.self), count: count)
    }

    /// `int64`, `int32`, ... for a dtype string.
    static func dtypeName(_ descr: String) -> String {
        switch descr {
        case "<i8": return "little-endian int64"
        case "<i4": return "little-endian int32"
        case "|i1": return "int8"
        case "|u1": return "uint8"
        case "<f4": return "little-endian float32"
        case "<f8": return "little-endian float64"
        default: return descr
        }
    }
}

extension NPY {
    /// The header of `.npy` bytes whatever their dtype (any `kind` and size; the byte order
    /// marker kept in `descr`): what ``MappedNPY`` checks against the dtypes it accepts.
    static func parseRaw(_ data: Data, name: String) throws -> (descr: String, shape: [Int], itemSize: Int, dataOffset: Int) {
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw TensorIOError(file: name, problem: "not a .npy file (bad magic string)")
        }
        let headerStart: Int, headerLength: Int
        switch bytes[6] {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw TensorIOError(file: name, problem: "truncated header") }
            headerStart = 12
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        default:
            throw TensorIOError(file: name, problem: "unsupported .npy format version \(bytes[6]).\(bytes[7])")
        }
        guard headerLength <= maxHeaderBytes else {
            throw TensorIOError(file: name, problem: "header length \(headerLength) is over the \(maxHeaderBytes)-byte limit; the file is damaged or not .npy")
        }
        guard headerStart + headerLength <= data.count else {
            throw TensorIOError(file: name, problem: "truncated header (needs \(headerLength) bytes, file has \(data.count - headerStart))")
        }
        let headerBytes = data[data.startIndex + headerStart ..< data.startIndex + headerStart + headerLength]
        guard let text = String(data: headerBytes, encoding: bytes[6] == 3 ? .utf8 : .isoLatin1) else {
            throw TensorIOError(file: name, problem: "header is not valid text")
        }
        let header = try parseHeader(text, name: name)
        guard !header.fortranOrder else {
            throw TensorIOError(file: name, problem: "fortran_order True is not supported (save with C order)")
        }
        let chars = Array(header.descr)
        guard chars.count >= 3, "<>|=".contains(chars[0]), let size = Int(String(chars[2...])), [1, 2, 4, 8].contains(size) else {
            throw TensorIOError(file: name, problem: "unsupported dtype '\(header.descr)'")
        }
        return (header.descr, header.shape, size, headerStart + headerLength)
    }

    /// The bytes of a version-1.0 `.npy` file holding the 1-D array `values` with dtype
    /// `descr` (`<i8`, `<i4` or `|i1`, whose size must be `T`'s), little-endian, as
    /// `numpy.save` writes it.
    public static func bytes<T: FixedWidthInteger>(of values: [T], descr: String) -> Data {
        precondition(Int(String(descr.dropFirst(2))) == MemoryLayout<T>.size, "NPY: '\(descr)' does not match \(T.self)")
        var data = header(descr: descr, shape: [values.count])
        data.reserveCapacity(data.count + values.count * MemoryLayout<T>.size)
        values.withUnsafeBufferPointer { appendLittleEndian($0, to: &data) }
        return data
    }
}
