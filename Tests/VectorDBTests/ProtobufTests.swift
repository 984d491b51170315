import Testing
@testable import VectorDB

/// The hand-written protobuf wire format against bytes from the protobuf documentation and
/// against itself (write, then read back).
@Suite struct ProtobufTests {
    @Test func knownBytesFromTheEncodingGuide() {
        var w = ProtobufWriter()
        w.int64(1, 150)
        #expect(w.bytes == [0x08, 0x96, 0x01])
        var s = ProtobufWriter()
        s.string(2, "testing")
        #expect(s.bytes == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67])
        var m = ProtobufWriter()
        m.message(3) { $0.int64(1, 150) }
        #expect(m.bytes == [0x1a, 0x03, 0x08, 0x96, 0x01])
        // Negative int64: ten bytes, two's complement.
        var n = ProtobufWriter()
        n.int64(1, -1)
        #expect(n.bytes == [0x08] + [UInt8](repeating: 0xff, count: 9) + [0x01])
        // Packed repeated int64 [3, 270, 86942] (field 4).
        var p = ProtobufWriter()
        p.packedInt64s(4, [3, 270, 86942] as [Int64])
        #expect(p.bytes == [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05])
        // Packed floats: 1.0 is 0x3f800000, little-endian.
        var f = ProtobufWriter()
        f.packedFloats(1, [1.0, -2.5] as [Float])
        #expect(f.bytes == [0x0a, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0])
        var b = ProtobufWriter()
        b.bool(15, true)
        #expect(b.bytes == [0x78, 0x01])
    }

    @Test func whatIsWrittenReadsBack() throws {
        var w = ProtobufWriter()
        w.int64(1, Int64.min)
        w.string(2, "héllo")
        w.packedFloats(3, [0.5, -1e-7, Float.greatestFiniteMagnitude])
        w.packedInt64s(4, [0, -5, Int64.max])
        w.message(5) { $0.keyValue(1, "k", "v") }
        var r = ProtobufReader(w.bytes + [0x35, 0x00, 0x00, 0x80, 0x3f])  // field 6, fixed32 1.0
        var floats: [Float] = [], ints: [Int64] = []
        var seen: [Int] = []
        while let (field, value) = try r.next() {
            seen.append(field)
            switch field {
            case 1: #expect(value.int64 == Int64.min)
            case 2: #expect(value.string == "héllo")
            case 3, 6: try ProtobufReader.appendFloats(value, to: &floats)
            case 4: try ProtobufReader.appendInt64s(value, to: &ints)
            case 5:
                var inner = ProtobufReader(value.payload)
                let pair = try #require(try inner.next())
                #expect(pair.field == 1)
                let (k, v) = try MilvusResponses.keyValue(pair.value.payload)
                #expect(k == "k" && v == "v")
            default: Issue.record("unexpected field \(field)")
            }
        }
        #expect(seen == [1, 2, 3, 4, 5, 6])
        #expect(floats.prefix(3).elementsEqual([0.5, -1e-7, Float.greatestFiniteMagnitude]))
        #expect(ints == [0, -5, Int64.max])
    }

    @Test func malformedInputThrowsInsteadOfTrapping() {
        for bad: [UInt8] in [[0x08], [0x08, 0xff], [0x12, 0x05, 0x61], [0x0b], [0x00, 0x01], [0x0d, 0x00, 0x00],
                             [0x08] + [UInt8](repeating: 0xff, count: 11)] {
            #expect(throws: VectorDBError.self, "\(bad)") {
                var r = ProtobufReader(bad)
                while try r.next() != nil {}
            }
        }
        #expect(throws: VectorDBError.self) { var out: [Float] = []; try ProtobufReader.appendFloats(.bytes([1, 2, 3]), to: &out) }
    }

    @Test func unknownFieldsAreSkipped() throws {
        var w = ProtobufWriter()
        w.int64(7, 1)
        w.message(9) { $0.string(1, "nested") }
        w.appendTag(10, .fixed64)
        var tail = w.bytes + [UInt8](repeating: 0, count: 8)
        var end = ProtobufWriter()
        end.string(2, "reason")
        tail += end.bytes
        let status = try MilvusStatus(tail[...])
        #expect(status.reason == "reason" && status.ok)
    }
}
