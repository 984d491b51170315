/// Writes protocol-buffer wire format by hand: the few field kinds the Milvus messages need
/// (varints, length-delimited strings, bytes and messages, packed floats and int64s).
///
/// Fields are appended in the order they are written; a field left at its default (0, empty)
/// may simply not be written, as proto3 does. No schema: the caller names field numbers.
public struct ProtobufWriter: Sendable {
    /// The encoded bytes so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty message.
    public init() {}

    /// Wire types of the format.
    public enum WireType: UInt8, Sendable {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// Appends `value` as a base-128 varint (no tag).
    public mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends the key of field `field` with wire type `type`.
    public mutating func appendTag(_ field: Int, _ type: WireType) {
        appendVarint(UInt64(field) << 3 | UInt64(type.rawValue))
    }

    /// An `int64`/`int32`/enum field (negative values take ten bytes, as protobuf does).
    public mutating func int64(_ field: Int, _ value: Int64) {
        appendTag(field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `bool` field.
    public mutating func bool(_ field: Int, _ value: Bool) {
        appendTag(field, .varint)
        appendVarint(value ? 1 : 0)
    }

    /// A `bytes` field (or any length-delimited payload).
    public mutating func bytes<C: Collection>(_ field: Int, _ value: C) where C.Element == UInt8 {
        appendTag(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field (UTF-8).
    public mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// An embedded message field.
    public mutating func message(_ field: Int, _ value: ProtobufWriter) {
        bytes(field, value.bytes)
    }

    /// An embedded message field written by `build`.
    public mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var m = ProtobufWriter()
        build(&m)
        message(field, m)
    }

    /// A packed `repeated float` field (little-endian IEEE 754, four bytes each).
    public mutating func packedFloats<C: Collection>(_ field: Int, _ values: C) where C.Element == Float {
        appendTag(field, .lengthDelimited)
        appendVarint(UInt64(values.count * 4))
        Self.appendFloats(values, to: &bytes)
    }

    /// A packed `repeated int64` field.
    public mutating func packedInt64s<C: Collection>(_ field: Int, _ values: C) where C.Element == Int64 {
        var payload = ProtobufWriter()
        for v in values { payload.appendVarint(UInt64(bitPattern: v)) }
        bytes(field, payload.bytes)
    }

    /// A `common.KeyValuePair` message field (key 1, value 2), as Milvus uses for parameters.
    public mutating func keyValue(_ field: Int, _ key: String, _ value: String) {
        message(field) { $0.string(1, key); $0.string(2, value) }
    }

    /// Appends `values` as little-endian 32-bit floats (no tag): a packed payload, or the
    /// bytes of a Milvus float-vector placeholder.
    public static func appendFloats<C: Collection>(_ values: C, to out: inout [UInt8]) where C.Element == Float {
        out.reserveCapacity(out.count + values.count * 4)
        for v in values {
            let b = v.bitPattern.littleEndian
            out.append(UInt8(truncatingIfNeeded: b)); out.append(UInt8(truncatingIfNeeded: b >> 8))
            out.append(UInt8(truncatingIfNeeded: b >> 16)); out.append(UInt8(truncatingIfNeeded: b >> 24))
        }
    }
}
