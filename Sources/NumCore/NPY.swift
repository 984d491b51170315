import Foundation

/// Reading and writing numpy `.npy` files.
///
/// Writing produces format version 1.0 byte for byte as `numpy.save` does: the magic string,
/// a little-endian `u16` header length, a Python-literal header dictionary with numpy's
/// spare "growth" spaces, padded with spaces and a final newline so that the data starts at a
/// multiple of 64 bytes, then the data, little-endian, C order. Reading accepts versions 1.0,
/// 2.0 and 3.0 with `float32`/`float64` (or, for ``readInt32s(from:)``, `int32`/`int64`) data in
/// either byte order, 0-, 1- or 2-D, `fortran_order: False`.
public enum NPY {
    /// The six magic bytes every `.npy` file starts with.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// numpy's `ARRAY_ALIGN`.
    static let alignment = 64
    /// numpy's `GROWTH_AXIS_MAX_DIGITS`: spare spaces so the first axis may grow in place.
    static let growthDigits = 21
    /// The longest header read (numpy writes about a hundred bytes; versions 2.0 and 3.0 could
    /// claim 4 GB): a longer one is refused before it is read.
    public static let maxHeaderBytes = 1 << 20

    // MARK: Writing

    /// Writes `m` as a `(rows, cols)` array of little-endian `float32` (`<f4`), atomically.
    public static func write(_ m: Matrix, to url: URL) throws {
        #if _endian(little)
        // The values go to the file from the matrix: no copy of a large table in memory.
        let writer = try AtomicFileWriter(url: url)
        try writer.write(header(descr: "<f4", shape: [m.rows, m.cols]))
        try writer.write(bytes: UnsafeRawBufferPointer(start: m.data, count: m.count * 4))
        try writer.commit()
        #else
        var data = header(descr: "<f4", shape: [m.rows, m.cols])
        appendLittleEndian(UnsafeBufferPointer(start: m.data, count: m.count), to: &data)
        try AtomicFile.write(data, to: url)
        #endif
    }

    /// Writes `values` as a 1-D array of little-endian `int32` (`<i4`), atomically.
    public static func write(int32 values: [Int32], to url: URL) throws {
        try write(int32: values, shape: [values.count], to: url)
    }

    /// Writes `values` as a little-endian `int32` (`<i4`) array of `shape` (C order; the
    /// shape's product must be `values.count`), atomically.
    public static func write(int32 values: [Int32], shape: [Int], to url: URL) throws {
        precondition(shape.reduce(1, *) == values.count, "NPY: shape \(shape) does not hold \(values.count) values")
        var data = header(descr: "<i4", shape: shape)
        values.withUnsafeBufferPointer { appendLittleEndian($0, to: &data) }
        try AtomicFile.write(data, to: url)
    }

    /// The complete version-1.0 header (magic through the final newline) for an array.
    static func header(descr: String, shape: [Int]) -> Data {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        if let first = shape.first {
            dict += String(repeating: " ", count: max(0, growthDigits - String(first).count))
        }
        let headerLength = dict.utf8.count + 1  // + newline
        let prefixLength = magic.count + 2 + 2  // magic, version, u16 length
        let pad = alignment - (prefixLength + headerLength) % alignment
        let total = headerLength + pad
        var data = Data(magic)
        data.append(contentsOf: [1, 0, UInt8(total & 0xFF), UInt8(total >> 8)])
        data.append(contentsOf: Array(dict.utf8))
        data.append(contentsOf: [UInt8](repeating: 0x20, count: pad))
        data.append(0x0A)
        return data
    }

    // MARK: Reading

    /// Reads a 0-, 1- or 2-D `float32` or `float64` array as a matrix (`float64` is rounded to
    /// `Float`). A 1-D array of length `n` becomes a `1 x n` matrix, a scalar `1 x 1`.
    /// - Throws: ``TensorIOError`` naming the file on bad magic, an unsupported dtype or
    ///   layout, a malformed header or truncated data.
    public static func readMatrix(from url: URL) throws -> Matrix {
        try readMatrix(data: try map(url), file: url.lastPathComponent)
    }

    /// Reads a matrix from the bytes of a `.npy` file held in memory, as ``readMatrix(from:)``;
    /// `file` names it in errors.
    public static func readMatrix(data: Data, file name: String) throws -> Matrix {
        let file = try parse(data, name: name)
        let (rows, cols): (Int, Int)
        switch file.shape.count {
        case 0: (rows, cols) = (1, 1)
        case 1: (rows, cols) = (1, file.shape[0])
        case 2: (rows, cols) = (file.shape[0], file.shape[1])
        default:
            throw TensorIOError(file: name, problem: "expected a 1-D or 2-D array, found shape \(file.shape)")
        }
        let m = Matrix(rows: rows, cols: cols)
        let count = rows * cols
        try file.data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let base = raw.baseAddress! + file.dataOffset
            switch (file.kind, file.itemSize) {
            case ("f", 4):
                for i in 0..<count {
                    let bits = loadUInt32(base + 4 * i, swap: file.bigEndian)
                    m.data[i] = Float(bitPattern: bits)
                }
            case ("f", 8):
                for i in 0..<count {
                    let bits = loadUInt64(base + 8 * i, swap: file.bigEndian)
                    m.data[i] = Float(Double(bitPattern: bits))
                }
            default:
                throw TensorIOError(file: name, problem: "unsupported dtype '\(file.descr)' for a matrix (expected <f4 or <f8)")
            }
        }
        return m
    }

    /// Reads a 0- or 1-D `int32` or `int64` array (`int64` must fit in `Int32`).
    /// - Throws: ``TensorIOError`` naming the file on any format problem or an out-of-range value.
    public static func readInt32s(from url: URL) throws -> [Int32] {
        try readInt32s(data: try map(url), file: url.lastPathComponent)
    }

    /// Reads integers from the bytes of a `.npy` file held in memory, as ``readInt32s(from:)``;
    /// `file` names it in errors.
    public static func readInt32s(data: Data, file name: String) throws -> [Int32] {
        let file = try parse(data, name: name)
        guard file.shape.count <= 1 else {
            throw TensorIOError(file: name, problem: "expected a 1-D array, found shape \(file.shape)")
        }
        return try int32Values(file, name: name)
    }

    /// Reads an `int32` or `int64` array of any shape (`int64` must fit in `Int32`): the shape
    /// and the values in C order (a `users x K` grid from `esans recommend`, say).
    /// - Throws: ``TensorIOError`` naming the file on any format problem or an out-of-range value.
    public static func readInt32Array(from url: URL) throws -> (shape: [Int], values: [Int32]) {
        let name = url.lastPathComponent
        let file = try parse(try map(url), name: name)
        return (file.shape, try int32Values(file, name: name))
    }

    /// The values of a parsed integer file.
    static func int32Values(_ file: Parsed, name: String) throws -> [Int32] {
        let count = file.shape.reduce(1, *)
        return try file.data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Int32] in
            let base = raw.baseAddress! + file.dataOffset
            var out = [Int32]()
            out.reserveCapacity(count)
            switch (file.kind, file.itemSize) {
            case ("i", 4):
                for i in 0..<count { out.append(Int32(bitPattern: loadUInt32(base + 4 * i, swap: file.bigEndian))) }
            case ("i", 8):
                for i in 0..<count {
                    let v = Int64(bitPattern: loadUInt64(base + 8 * i, swap: file.bigEndian))
                    guard let narrow = Int32(exactly: v) else {
                        throw TensorIOError(file: name, problem: "value \(v) at index \(i) does not fit in int32")
                    }
                    out.append(narrow)
                }
            default:
                throw TensorIOError(file: name, problem: "unsupported dtype '\(file.descr)' for integers (expected <i4 or <i8)")
            }
            return out
        }
    }

    /// A parsed file: its bytes, where the data starts, and the header fields.
    struct Parsed {
        var data: Data
        var dataOffset: Int
        var descr: String
        var kind: Character
        var itemSize: Int
        var bigEndian: Bool
        var shape: [Int]
    }

    /// The bytes of the file at `url`, memory-mapped.
    static func map(_ url: URL) throws -> Data {
        do { return try FileData.read(url, options: .alwaysMapped) } catch {
            throw TensorIOError(url: url, problem: "cannot read file: \(FileErrorReason.text(error))")
        }
    }

    /// Validates the header of the file bytes `data` (named `name` in errors); checks the data is all there.
    static func parse(_ data: Data, name: String) throws -> Parsed {
        // The magic string, version, header length, dict and dtype syntax: as for any dtype.
        let (descr, shape, itemSize, dataOffset) = try parseRaw(data, name: name)
        let chars = Array(descr)
        guard itemSize == 4 || itemSize == 8, chars[1] == "f" || chars[1] == "i" else {
            throw TensorIOError(file: name, problem: "unsupported dtype '\(descr)' (expected float32/float64 or int32/int64)")
        }
        #if _endian(big)
        let bigEndian = chars[0] != ">"
        #else
        let bigEndian = chars[0] == ">"
        #endif
        guard let needed = byteCount(of: shape, elementSize: itemSize) else {
            throw TensorIOError(file: name, problem: "shape \(shape) of '\(descr)' is too large to exist; the header is damaged")
        }
        guard data.count - dataOffset >= needed else {
            throw TensorIOError(file: name, problem: "truncated data: shape \(shape) of '\(descr)' needs \(needed) bytes, file has \(data.count - dataOffset)")
        }
        return Parsed(data: data, dataOffset: dataOffset, descr: descr, kind: chars[1], itemSize: itemSize, bigEndian: bigEndian, shape: shape)
    }

    /// Extracts `descr`, `fortran_order` and `shape` from the header's Python dict literal.
    static func parseHeader(_ text: String, name: String) throws -> (descr: String, fortranOrder: Bool, shape: [Int]) {
        func value(after key: String) throws -> Substring {
            guard let k = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\""),
                  let colon = text[k.upperBound...].firstIndex(of: ":") else {
                throw TensorIOError(file: name, problem: "header has no '\(key)' entry: \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            return text[text.index(after: colon)...].drop(while: { $0 == " " })
        }
        let descrRest = try value(after: "descr")
        guard let quote = descrRest.first, quote == "'" || quote == "\"",
              let end = descrRest.dropFirst().firstIndex(of: quote) else {
            throw TensorIOError(file: name, problem: "unsupported dtype description (structured dtypes are not supported)")
        }
        let descr = String(descrRest[descrRest.index(after: descrRest.startIndex)..<end])
        let fortranRest = try value(after: "fortran_order")
        let fortran: Bool
        if fortranRest.hasPrefix("False") { fortran = false } else if fortranRest.hasPrefix("True") { fortran = true } else {
            throw TensorIOError(file: name, problem: "malformed fortran_order in header")
        }
        let shapeRest = try value(after: "shape")
        guard shapeRest.first == "(", let close = shapeRest.firstIndex(of: ")") else {
            throw TensorIOError(file: name, problem: "malformed shape in header")
        }
        var shape = [Int]()
        for part in shapeRest[shapeRest.index(after: shapeRest.startIndex)..<close].split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else { throw TensorIOError(file: name, problem: "malformed shape dimension '\(t)' in header") }
            shape.append(d)
        }
        return (descr, fortran, shape)
    }
}

/// Appends the raw bytes of `values` in little-endian order.
func appendLittleEndian<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, to data: inout Data) {
    #if _endian(little)
    data.append(UnsafeBufferPointer(start: UnsafeRawPointer(values.baseAddress)?.assumingMemoryBound(to: UInt8.self), count: values.count * MemoryLayout<T>.size))
    #else
    for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    #endif
}

/// Appends the raw bytes of `values` in little-endian order.
func appendLittleEndian(_ values: UnsafeBufferPointer<Float>, to data: inout Data) {
    #if _endian(little)
    data.append(UnsafeBufferPointer(start: UnsafeRawPointer(values.baseAddress)?.assumingMemoryBound(to: UInt8.self), count: values.count * 4))
    #else
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    #endif
}

/// An unaligned 32-bit load, byte-swapped when `swap`.
@inline(__always) func loadUInt32(_ p: UnsafeRawPointer, swap: Bool) -> UInt32 {
    let v = p.loadUnaligned(as: UInt32.self)
    return swap ? v.byteSwapped : v
}

/// An unaligned 64-bit load, byte-swapped when `swap`.
@inline(__always) func loadUInt64(_ p: UnsafeRawPointer, swap: Bool) -> UInt64 {
    let v = p.loadUnaligned(as: UInt64.self)
    return swap ? v.byteSwapped : v
}
