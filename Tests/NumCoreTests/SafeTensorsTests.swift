import Foundation
import Testing
@testable import NumCore

/// `safetensors.numpy.save({"w": f32 2x2, "h": f16 [1, -0.5, 65504, 6e-8], "ids": i32 [3, 1, 2],
/// "t3": f32 arange(12) 2x3x2}, metadata={"format": "np"})`, safetensors 0.7 (Python).
let pythonSafeTensors = "CAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJucCJ9LCJ0MyI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMiwzLDJdLCJkYXRhX29mZnNldHMiOlswLDQ4XX0sInciOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzIsMl0sImRhdGFfb2Zmc2V0cyI6WzQ4LDY0XX0sImlkcyI6eyJkdHlwZSI6IkkzMiIsInNoYXBlIjpbM10sImRhdGFfb2Zmc2V0cyI6WzY0LDc2XX0sImgiOnsiZHR5cGUiOiJGMTYiLCJzaGFwZSI6WzRdLCJkYXRhX29mZnNldHMiOls3Niw4NF19fSAgICAAAAAAAACAPwAAAEAAAEBAAACAQAAAoEAAAMBAAADgQAAAAEEAABBBAAAgQQAAMEEAAIA/AAAgwAAAgD4AAEBAAwAAAAEAAAACAAAAADwAuP97AQA="

/// Builds a file from a JSON header and a data buffer, padding the header to 8 bytes.
func rawSafeTensors(_ header: String, _ body: [UInt8]) -> Data {
    var h = Array(header.utf8)
    while h.count % 8 != 0 { h.append(0x20) }
    var d = Data()
    withUnsafeBytes(of: UInt64(h.count).littleEndian) { d.append(contentsOf: $0) }
    d.append(contentsOf: h)
    d.append(contentsOf: body)
    return d
}

@Suite struct SafeTensorsTests {
    @Test func roundTrip() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var f = SafeTensorsFile()
        let a = Matrix(rows: 2, cols: 3, values: [1, 2, 3, 4, 5, -6.5])
        f.add(name: "layer.0.weight", matrix: a)
        f.add(name: "ids", int32: [5, -1, 9, 0], shape: [2, 2])
        f.add(name: "big \"ids\"", int64: [1 << 40, -3])
        f.add(name: "empty", matrix: Matrix(rows: 0, cols: 4))
        f.metadata = ["epoch": "3", "note": "quote \" and\nnewline"]
        let url = dir.appendingPathComponent("t.safetensors")
        try f.write(to: url)
        let bytes = try Data(contentsOf: url)
        let n = bytes.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(n % 8 == 0 && bytes.count == 8 + n + 24 + 16 + 16)

        let g = try SafeTensorsFile.read(from: url)
        #expect(g.names == ["layer.0.weight", "ids", "big \"ids\"", "empty"])
        #expect(g.metadata == f.metadata)
        #expect(g.shape(of: "ids") == [2, 2])
        #expect(g.dtype(of: "big \"ids\"") == "I64")
        let b = try g.matrix("layer.0.weight")
        #expect(b.rows == 2 && b.cols == 3 && b.array == a.array)
        #expect(try g.int32s("ids") == [5, -1, 9, 0])
        #expect(try g.int64s("big \"ids\"") == [1 << 40, -3])
        #expect(try g.matrix("empty").rows == 0)
        #expect(throws: TensorIOError.self) { try g.int32s("big \"ids\"") }  // does not fit
        #expect(throws: TensorIOError.self) { try g.matrix("ids") }
        #expect(throws: TensorIOError.self) { try g.matrix("missing") }
    }

    @Test func readsPythonFile() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("py.safetensors")
        try Data(base64Encoded: pythonSafeTensors)!.write(to: url)
        let f = try SafeTensorsFile.read(from: url)
        #expect(f.metadata == ["format": "np"])
        #expect(f.names == ["t3", "w", "ids", "h"])
        #expect(try f.matrix("w").array == [1, -2.5, 0.25, 3])
        let h = try f.matrix("h")
        #expect(h.rows == 1 && h.cols == 4)
        #expect(h[0, 0] == 1 && h[0, 1] == -0.5 && h[0, 2] == 65504)
        #expect(abs(h[0, 3] - 5.96e-8) < 1e-10)  // a subnormal half
        let t = try f.matrix("t3")
        #expect(t.rows == 6 && t.cols == 2 && t.array == (0..<12).map(Float.init))
        #expect(try f.int32s("ids") == [3, 1, 2])
    }

    @Test func convertsHalfAndBFloat16() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // F16: 1.0, -2.0, inf; BF16: 1.0 (0x3F80), -3.0 (0xC040), 0.15625 (0x3E20).
        let body: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x7C, 0x80, 0x3F, 0x40, 0xC0, 0x20, 0x3E]
        let header = #"{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[3,1],"data_offsets":[6,12]}}"#
        let url = dir.appendingPathComponent("half.safetensors")
        try rawSafeTensors(header, body).write(to: url)
        let f = try SafeTensorsFile.read(from: url)
        #expect(try f.matrix("h").array == [1, -2, .infinity])
        let b = try f.matrix("b")
        #expect(b.rows == 3 && b.cols == 1 && b.array == [1, -3, 0.15625])
        #expect(halfToFloat(0x3555) == Float(0.33325195))
    }

    @Test func rejectsCorruptFiles() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = Data(base64Encoded: pythonSafeTensors)!
        func check(_ data: Data, _ name: String, tensor: String? = nil, mentions: String) {
            let url = dir.appendingPathComponent(name)
            try? data.write(to: url)
            do {
                _ = try SafeTensorsFile.read(from: url)
                Issue.record("\(name) was accepted")
            } catch let e as TensorIOError {
                #expect(e.file == url.path)
                #expect(e.tensor == tensor, "\(e)")
                #expect(e.description.contains(mentions), "\(e)")
            } catch { Issue.record("unexpected error \(error)") }
        }
        check(good.prefix(5), "tiny.safetensors", mentions: "too short")
        var long = good; long[1] = 0x10
        check(long, "headerlen.safetensors", mentions: "past the end")
        check(good.prefix(good.count - 2), "truncated.safetensors", tensor: "h", mentions: "truncated")
        check(rawSafeTensors("{not json", []), "json.safetensors", mentions: "JSON")
        let f32 = [UInt8](repeating: 0, count: 16)
        check(rawSafeTensors(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, f32),
              "shape.safetensors", tensor: "a", mentions: "needs 12 bytes")
        check(rawSafeTensors(#"{"a":{"dtype":"Q4","shape":[3],"data_offsets":[0,12]}}"#, f32),
              "dtype.safetensors", tensor: "a", mentions: "unknown dtype")
        check(rawSafeTensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, f32),
              "overlap.safetensors", tensor: "b", mentions: "overlaps tensor 'a'")
        check(rawSafeTensors(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, f32),
              "reversed.safetensors", tensor: "a", mentions: "reversed")
        check(rawSafeTensors(#"{"__metadata__":{"k":1}}"#, []), "meta.safetensors", mentions: "not a string")
    }
}
