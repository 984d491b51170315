import Foundation

/// A set of named tensors in the Hugging Face `safetensors` format, for writing and reading.
///
/// Layout of a file: an 8-byte little-endian `u64` header length `N`; `N` bytes of JSON,
/// `{"__metadata__": {...}, "name": {"dtype": "F32", "shape": [r, c], "data_offsets": [b, e]}, ...}`,
/// padded with spaces to a multiple of 8; then the tensor bytes, little-endian, with offsets
/// relative to the first byte after the header. Tensors are written in the order they were
/// added, with no gaps, so the files load in Python's `safetensors`.
///
/// Reading maps the file into memory and validates every entry up front (header size, JSON,
/// dtypes, shapes against byte counts, offsets in range and not overlapping); tensors are
/// converted only when asked for, so files of hundreds of MB open cheaply.
public struct SafeTensorsFile: @unchecked Sendable {
    /// Free-form string metadata (the `__metadata__` entry).
    public var metadata: [String: String] = [:]
    /// Tensor names, in file order (order of data offsets when read, of `add` calls when built).
    public private(set) var names: [String] = []
    /// The file the tensors were read from (`"<memory>"` when built in memory); used in errors.
    public let fileName: String
    /// The verified payload checksum of a file read with esans's checksums; `nil` for a file
    /// without them (written elsewhere or by an older esans: read unchecked) or one built in memory.
    public private(set) var payloadChecksum: String?

    private struct Entry {
        var dtype: String
        var shape: [Int]
        var chunk: Int
        var range: Range<Int>
    }

    private var entries: [String: Entry] = [:]
    /// Backing bytes: one chunk per added tensor, or the whole mapped file when read.
    private var chunks: [Data] = []

    /// Element sizes of the dtypes the format defines.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
        "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
        "U32": 4, "I32": 4, "F32": 4, "U64": 8, "I64": 8, "F64": 8,
    ]

    /// An empty set of tensors, to be filled with `add` and saved with ``write(to:)``.
    public init() { fileName = "<memory>" }

    private init(fileName: String) { self.fileName = fileName }

    // MARK: Building

    /// Adds `matrix` as an `F32` tensor of shape `[rows, cols]`.
    /// - Precondition: `name` is new and is not `__metadata__`.
    public mutating func add(name: String, matrix: Matrix) {
        var data = Data(capacity: matrix.count * 4)
        appendLittleEndian(UnsafeBufferPointer(start: matrix.data, count: matrix.count), to: &data)
        append(name: name, dtype: "F32", shape: [matrix.rows, matrix.cols], data: data)
    }

    /// Adds `values` as an `I32` tensor of the given `shape` (default: 1-D).
    /// - Precondition: the shape's element count equals `values.count`; `name` is new.
    public mutating func add(name: String, int32 values: [Int32], shape: [Int]? = nil) {
        var data = Data(capacity: values.count * 4)
        values.withUnsafeBufferPointer { appendLittleEndian($0, to: &data) }
        append(name: name, dtype: "I32", shape: shape ?? [values.count], data: data)
    }

    /// Adds `values` as an `I64` tensor of the given `shape` (default: 1-D).
    /// - Precondition: the shape's element count equals `values.count`; `name` is new.
    public mutating func add(name: String, int64 values: [Int64], shape: [Int]? = nil) {
        var data = Data(capacity: values.count * 8)
        values.withUnsafeBufferPointer { appendLittleEndian($0, to: &data) }
        append(name: name, dtype: "I64", shape: shape ?? [values.count], data: data)
    }

    private mutating func append(name: String, dtype: String, shape: [Int], data: Data) {
        precondition(name != "__metadata__", "'__metadata__' is reserved")
        precondition(entries[name] == nil, "tensor '\(name)' added twice")
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) * Self.dtypeSizes[dtype]! == data.count,
                     "shape \(shape) does not match \(data.count) bytes of \(dtype) for '\(name)'")
        entries[name] = Entry(dtype: dtype, shape: shape, chunk: chunks.count, range: 0..<data.count)
        chunks.append(data)
        names.append(name)
    }

    /// Saves the tensors to `url` atomically (see ``AtomicFile``), with the checksums of
    /// the header and of the payload in the metadata (see ``payloadChecksumKey``).
    public func write(to url: URL) throws {
        var payload = Checksum64()
        for name in names {
            let e = entries[name]!
            chunks[e.chunk].withUnsafeBytes { payload.update(UnsafeRawBufferPointer(rebasing: $0[e.range])) }
        }
        var meta = metadata
        meta[Self.payloadChecksumKey] = Checksum64.hex(payload.value)
        meta[Self.headerChecksumKey] = Self.placeholder
        var json = "{"
        var fields = [String]()
        let pairs = meta.keys.sorted().map { "\(TextEscaping.jsonString($0)):\(TextEscaping.jsonString(meta[$0]!))" }
        fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        var offset = 0
        for name in names {
            let e = entries[name]!
            let end = offset + e.range.count
            let shape = e.shape.map(String.init).joined(separator: ",")
            fields.append("\(TextEscaping.jsonString(name)):{\"dtype\":\"\(e.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        json += fields.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var head = Data(capacity: 8 + header.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { head.append(contentsOf: $0) }
        head.append(contentsOf: header)
        Self.sealHeader(&head, headerEnd: 8 + header.count)
        // The tensors go to the file from their chunks: no second copy of the payload.
        let writer = try AtomicFileWriter(url: url)
        try writer.write(head)
        for name in names {
            let e = entries[name]!
            try chunks[e.chunk].withUnsafeBytes { try writer.write(bytes: UnsafeRawBufferPointer(rebasing: $0[e.range])) }
        }
        try writer.commit()
    }

    // MARK: Reading

    /// Opens and validates the safetensors file at `url` (memory-mapped). A file with esans's
    /// checksums is verified whole before use (see ``payloadChecksumKey``); the checksum keys
    /// are not in ``metadata`` (``payloadChecksum`` has the payload's).
    /// - Throws: ``TensorIOError`` naming the file's path (and tensor) when the header length runs past
    ///   the end of the file or over ``maxHeaderBytes``, the JSON is invalid, a checksum does
    ///   not match, a dtype is unknown, a shape is absurd or disagrees with its byte count, or
    ///   offsets are out of range or overlap. Nothing is allocated for a tensor before its
    ///   size is checked against the file.
    public static func read(from url: URL) throws -> SafeTensorsFile {
        let data: Data
        do { data = try FileData.read(url, options: .alwaysMapped) } catch {
            throw TensorIOError(file: url.path, problem: "cannot read file: \(error.localizedDescription)")
        }
        return try read(data: data, path: url.path)
    }

    /// Validates the bytes of a safetensors file held in memory, as ``read(from:)`` does a
    /// file's; `path` names it in errors (its last component becomes ``fileName``).
    public static func read(data: Data, path: String) throws -> SafeTensorsFile {
        var file = SafeTensorsFile(fileName: URL(fileURLWithPath: path).lastPathComponent)
        func fail(_ problem: String, tensor: String? = nil) -> TensorIOError {
            TensorIOError(file: path, tensor: tensor, problem: problem)
        }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, too short for the 8-byte header length") }
        let n = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n <= UInt64(data.count - 8) else {
            throw fail("header length \(n) runs past the end of the file (\(data.count) bytes); the file is truncated or not safetensors")
        }
        guard n <= UInt64(maxHeaderBytes) else {
            throw fail("header length \(n) is over the \(maxHeaderBytes)-byte limit; the file is damaged or not safetensors")
        }
        let headerEnd = 8 + Int(n)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data[data.startIndex + 8 ..< data.startIndex + headerEnd])
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let header = object as? [String: Any] else { throw fail("header is not a JSON object") }
        if let value = header["__metadata__"] {
            guard let meta = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
            for (k, v) in meta {
                guard let s = v as? String else { throw fail("__metadata__ value for '\(k)' is not a string") }
                file.metadata[k] = s
            }
        }
        file.payloadChecksum = try verifyChecksums(data, headerEnd: headerEnd, metadata: file.metadata, path: path)
        file.metadata[headerChecksumKey] = nil
        file.metadata[payloadChecksumKey] = nil
        let bufferSize = data.count - headerEnd
        var spans = [(range: Range<Int>, name: String)]()
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any] else { throw fail("entry is not an object", tensor: name) }
            guard let dtype = info["dtype"] as? String else { throw fail("missing dtype", tensor: name) }
            guard let size = dtypeSizes[dtype] else { throw fail("unknown dtype '\(dtype)'", tensor: name) }
            guard let shape = intArray(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("missing or invalid shape", tensor: name)
            }
            guard let offsets = intArray(info["data_offsets"]), offsets.count == 2 else {
                throw fail("missing or invalid data_offsets", tensor: name)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else { throw fail("data_offsets [\(begin), \(end)] are reversed or negative", tensor: name) }
            guard end <= bufferSize else {
                throw fail("data_offsets end \(end) is past the data buffer (\(bufferSize) bytes); the file is truncated or corrupt", tensor: name)
            }
            guard let expected = byteCount(of: shape, elementSize: size) else {
                throw fail("shape \(shape) of \(dtype) is too large to exist", tensor: name)
            }
            guard end - begin == expected else {
                throw fail("dtype \(dtype) with shape \(shape) needs \(expected) bytes but data_offsets span \(end - begin)", tensor: name)
            }
            file.entries[name] = Entry(dtype: dtype, shape: shape, chunk: 0, range: (headerEnd + begin)..<(headerEnd + end))
            spans.append((begin..<end, name))
        }
        spans.sort { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }
        for i in spans.indices.dropFirst() where spans[i].range.lowerBound < spans[i - 1].range.upperBound {
            throw fail("data overlaps tensor '\(spans[i - 1].name)'", tensor: spans[i].name)
        }
        file.names = spans.map(\.name)
        file.chunks = [data]
        return file
    }

    /// The shape of tensor `name`, or `nil` when there is no such tensor.
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    /// The dtype (`"F32"`, `"F16"`, `"BF16"`, `"I32"`, ...) of tensor `name`, or `nil`.
    public func dtype(of name: String) -> String? { entries[name]?.dtype }

    /// Tensor `name` as a matrix of `Float`, converting `F32`, `F16`, `BF16` and `F64`.
    /// A scalar becomes `1 x 1`, a 1-D tensor of length `n` becomes `1 x n`, and a tensor of
    /// rank > 2 is flattened to `(product of leading dims) x last dim`.
    /// - Throws: ``TensorIOError`` when the tensor is missing or has another dtype.
    public func matrix(_ name: String) throws -> Matrix {
        let e = try entry(name)
        let cols = e.shape.last ?? 1
        let rows = e.shape.isEmpty ? 1 : e.shape.dropLast().reduce(1, *)
        let m = Matrix(rows: rows, cols: cols)
        let count = rows * cols
        try withBytes(e) { p in
            switch e.dtype {
            case "F32":
                #if _endian(little)
                UnsafeMutableRawPointer(m.data).copyMemory(from: p, byteCount: count * 4)
                #else
                for i in 0..<count { m.data[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                #endif
            case "F16":
                for i in 0..<count { m.data[i] = halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case "BF16":
                for i in 0..<count {
                    let bits = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    m.data[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            case "F64":
                for i in 0..<count { m.data[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
            default:
                throw TensorIOError(file: fileName, tensor: name, problem: "dtype \(e.dtype) cannot be read as a float matrix")
            }
        }
        return m
    }

    /// Tensor `name` flattened to `Int32` values; `I32` as is, `I64` narrowed (must fit).
    /// - Throws: ``TensorIOError`` when the tensor is missing, has another dtype, or a value does not fit.
    public func int32s(_ name: String) throws -> [Int32] {
        let e = try entry(name)
        let count = e.shape.reduce(1, *)
        var out = [Int32]()
        out.reserveCapacity(count)
        try withBytes(e) { p in
            switch e.dtype {
            case "I32":
                for i in 0..<count { out.append(Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            case "I64":
                for i in 0..<count {
                    let v = Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
                    guard let narrow = Int32(exactly: v) else {
                        throw TensorIOError(file: fileName, tensor: name, problem: "value \(v) at index \(i) does not fit in Int32")
                    }
                    out.append(narrow)
                }
            default:
                throw TensorIOError(file: fileName, tensor: name, problem: "dtype \(e.dtype) cannot be read as Int32 values")
            }
        }
        return out
    }

    /// Tensor `name` flattened to `Int64` values (`I64`, or `I32` widened).
    /// - Throws: ``TensorIOError`` when the tensor is missing or has another dtype.
    public func int64s(_ name: String) throws -> [Int64] {
        let e = try entry(name)
        if e.dtype == "I32" { return try int32s(name).map(Int64.init) }
        guard e.dtype == "I64" else {
            throw TensorIOError(file: fileName, tensor: name, problem: "dtype \(e.dtype) cannot be read as Int64 values")
        }
        let count = e.shape.reduce(1, *)
        var out = [Int64]()
        out.reserveCapacity(count)
        try withBytes(e) { p in
            for i in 0..<count { out.append(Int64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
        }
        return out
    }

    private func entry(_ name: String) throws -> Entry {
        guard let e = entries[name] else {
            throw TensorIOError(file: fileName, tensor: name, problem: "no such tensor (have: \(names.prefix(20).joined(separator: ", "))\(names.count > 20 ? ", ..." : ""))")
        }
        return e
    }

    private func withBytes(_ e: Entry, _ body: (UnsafeRawPointer) throws -> Void) throws {
        try chunks[e.chunk].withUnsafeBytes { raw in
            // An empty tensor may sit in an empty chunk with no base address.
            guard let base = raw.baseAddress else { return }
            try body(base + e.range.lowerBound)
        }
    }
}

/// JSON integers as `[Int]`, or `nil` when `value` is not an array of non-fractional numbers.
private func intArray(_ value: Any?) -> [Int]? {
    guard let array = value as? [Any] else { return nil }
    var out = [Int]()
    for v in array {
        guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else { return nil }
        out.append(i)
    }
    return out
}


/// IEEE 754 half precision bits to `Float`, including subnormals, infinities and NaN.
@inline(__always) func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0 {
        // Zero or subnormal: mantissa * 2^-24.
        let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
        return sign == 0 ? magnitude : -magnitude
    }
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
}
