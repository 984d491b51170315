/// Reads protocol-buffer wire format by hand: walks the fields of one message, giving each
/// field number with its value; unknown fields are skipped by their wire type.
///
/// Malformed input (a truncated varint or payload, a wire type this reader does not know)
/// throws ``VectorDBError`` rather than trapping: the bytes come from a server.
public struct ProtobufReader: Sendable {
    private let data: [UInt8]
    private var position: Int
    private let end: Int

    /// One field of a message: its number and its value by wire type.
    public enum Value: Sendable {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        /// A string, bytes, embedded message or packed repeated field.
        case bytes(ArraySlice<UInt8>)

        /// The value as a signed integer (varints; 0 for other wire types).
        public var int64: Int64 {
            if case .varint(let v) = self { return Int64(bitPattern: v) }
            return 0
        }

        /// The payload of a length-delimited value (empty for other wire types).
        public var payload: ArraySlice<UInt8> {
            if case .bytes(let b) = self { return b }
            return []
        }

        /// The payload as UTF-8 text.
        public var string: String { String(decoding: payload, as: UTF8.self) }
    }

    /// A reader over a whole message.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let a = Array(bytes)
        data = a; position = 0; end = a.count
    }

    /// A reader over an embedded message's payload.
    public init(_ slice: ArraySlice<UInt8>) {
        data = Array(slice); position = 0; end = data.count
    }

    /// Whether all fields have been read.
    public var atEnd: Bool { position >= end }

    /// The next field, or nil at the end of the message.
    /// - Throws: ``VectorDBError`` on truncated or malformed input.
    public mutating func next() throws -> (field: Int, value: Value)? {
        guard position < end else { return nil }
        let key = try readVarint()
        let field = Int(key >> 3)
        guard field > 0 else { throw VectorDBError("malformed protobuf: field number 0") }
        switch key & 7 {
        case 0: return (field, .varint(try readVarint()))
        case 1: return (field, .fixed64(try readFixed(8)))
        case 5: return (field, .fixed32(UInt32(try readFixed(4))))
        case 2:
            let n = try readVarint()
            guard n <= UInt64(end - position) else { throw VectorDBError("malformed protobuf: field \(field) runs past the end") }
            let start = position
            position += Int(n)
            return (field, .bytes(data[start..<position]))
        default:
            throw VectorDBError("malformed protobuf: wire type \(key & 7) of field \(field)")
        }
    }

    private mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < end {
            let b = data[position]
            position += 1
            if shift < 64 { result |= UInt64(b & 0x7f) << shift }
            if b < 0x80 { return result }
            shift += 7
            guard shift < 70 else { break }
        }
        throw VectorDBError("malformed protobuf: truncated or overlong varint")
    }

    private mutating func readFixed(_ n: Int) throws -> UInt64 {
        guard end - position >= n else { throw VectorDBError("malformed protobuf: truncated fixed-width value") }
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(data[position + i]) << (8 * UInt64(i)) }
        position += n
        return v
    }

    /// Appends a `repeated float` field's value to `out`: a packed payload of little-endian
    /// floats, or one unpacked `fixed32` element.
    public static func appendFloats(_ value: Value, to out: inout [Float]) throws {
        switch value {
        case .fixed32(let bits): out.append(Float(bitPattern: bits))
        case .bytes(let b):
            guard b.count % 4 == 0 else { throw VectorDBError("malformed protobuf: packed floats of \(b.count) bytes") }
            out.reserveCapacity(out.count + b.count / 4)
            var i = b.startIndex
            while i < b.endIndex {
                let bits = UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
                out.append(Float(bitPattern: bits))
                i += 4
            }
        default: throw VectorDBError("malformed protobuf: a float field with another wire type")
        }
    }

    /// Appends a `repeated int64` field's value to `out`: a packed payload of varints, or one
    /// unpacked varint element.
    public static func appendInt64s(_ value: Value, to out: inout [Int64]) throws {
        switch value {
        case .varint(let v): out.append(Int64(bitPattern: v))
        case .bytes(let b):
            var r = ProtobufReader(b)
            while !r.atEnd { out.append(Int64(bitPattern: try r.readVarint())) }
        default: throw VectorDBError("malformed protobuf: an int64 field with another wire type")
        }
    }
}
