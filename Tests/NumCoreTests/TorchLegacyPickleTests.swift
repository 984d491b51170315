import Foundation
import Testing
@testable import NumCore

/// The legacy PyTorch reader on a tiny synthetic file (``TorchPickleFixture``, written by
/// `scripts/efficientnet_lite0_reference.py` with `_use_new_zipfile_serialization=False`).
@Suite struct TorchLegacyPickleTests {
    static let bytes = Data(base64Encoded: TorchPickleFixture.pthBase64, options: .ignoreUnknownCharacters)!

    static func read(_ data: Data = bytes) throws -> TorchLegacyPickle {
        try TorchLegacyPickle.read(data: data, fileName: "tiny.pth")
    }

    @Test func readsEveryTensorWithItsValues() throws {
        let file = try Self.read()
        #expect(file.names == TorchPickleFixture.tensors.map(\.name))
        for t in TorchPickleFixture.tensors {
            let entry = try #require(file.tensors[t.name])
            #expect(entry.dtype.rawValue == t.dtype, "\(t.name)")
            #expect(entry.shape == t.shape, "\(t.name)")
            if t.dtype == "I64" {
                #expect(try file.int64s(t.name) == t.values.map { Int64($0) }, "\(t.name)")
            } else {
                // Float32 values are exact; float64 ones are rounded to Float.
                #expect(try file.floats(t.name) == t.values.map { Float($0) }, "\(t.name)")
            }
        }
    }

    @Test func honoursStridesAndSharedStorages() throws {
        let file = try Self.read()
        // A permuted (HWIO -> OIHW) tensor is not contiguous in its storage.
        let stem = try #require(file.tensors["stem.weight"])
        #expect(stem.strides == [1, 4, 36, 12])
        // Two tensors viewing one storage at different offsets.
        let head = try #require(file.tensors["shared.head"]), tail = try #require(file.tensors["shared.tail"])
        #expect(head.storageByteOffset == tail.storageByteOffset)
        #expect(tail.storageOffset == 6 && tail.strides == [2, 1])
        #expect(try file.floats("shared.tail") == [3, 3.5, 4, 4.5])
        #expect(try file.tensors["scalar"]?.shape == [] && file.floats("scalar") == [3.25])
    }

    @Test func convertsToSafeTensors() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Self.read()
        let url = dir.appendingPathComponent("tiny.safetensors")
        try file.safeTensors().write(to: url)
        let back = try SafeTensorsFile.read(from: url)
        #expect(Set(back.names) == Set(file.names))
        #expect(back.shape(of: "conv.weight") == [4, 27])
        #expect(back.shape(of: "bn.weight") == [1, 4])
        #expect(back.shape(of: "scalar") == [1, 1])
        #expect(back.shape(of: "bn.num_batches_tracked") == [])
        #expect(try back.int64s("bn.num_batches_tracked") == [12345])
        for name in file.names where file.tensors[name]!.dtype.isFloatingPoint {
            let m = try back.matrix(name)
            #expect(Array(UnsafeBufferPointer(start: m.data, count: m.count)) == (try file.floats(name)), "\(name)")
        }
        let shapes = try #require(back.metadata["torch_shapes"])
        #expect(shapes.contains("\"conv.weight\":[4,3,3,3]") && shapes.contains("\"scalar\":[]"))
        #expect(back.metadata["source"] == "tiny.pth")
    }

    @Test func unknownNameIsAnError() throws {
        let error = #expect(throws: TorchPickleError.self) { try Self.read().floats("nope") }
        #expect(error?.description.hasPrefix("tiny.pth: byte 0: no tensor named 'nope'") == true)
        #expect(throws: TorchPickleError.self) { try Self.read().int64s("conv.weight") }
    }

    @Test func everyTruncationFailsCleanly() throws {
        let full = Self.bytes
        for cut in 0..<full.count {
            do {
                _ = try Self.read(full.prefix(cut))
                Issue.record("a file cut to \(cut) of \(full.count) bytes was accepted")
            } catch let e as TorchPickleError {
                #expect(e.file == "tiny.pth" && e.offset >= 0 && e.offset <= cut, "cut \(cut): \(e)")
            }
        }
        let e = try #require(throws: TorchPickleError.self) { try Self.read(full.prefix(full.count - 10)) }
        #expect(e.problem.contains("truncated"), "\(e)")
    }

    @Test func corruptBytesNeverCrash() throws {
        // Every byte of the pickles set to three other values: either read or a clean error.
        let full = Self.bytes
        var rejected = 0
        for i in 0..<min(full.count, 1_200) {
            for value: UInt8 in [0x00, 0xFF, full[i] ^ 0x5A] {
                var bad = full
                bad[i] = value
                do { _ = try Self.read(bad) } catch is TorchPickleError { rejected += 1 }
            }
        }
        #expect(rejected > 1_000)
    }

    @Test func namesTheProblems() throws {
        var zip = Data([0x50, 0x4B, 0x03, 0x04]); zip.append(Self.bytes)
        let z = try #require(throws: TorchPickleError.self) { try Self.read(zip) }
        #expect(z.offset == 0 && z.problem.contains("zip-format"))

        var magic = Self.bytes
        magic[5] ^= 0xFF  // inside the LONG1 magic number
        let m = try #require(throws: TorchPickleError.self) { try Self.read(magic) }
        #expect(m.offset == 0 && m.problem.contains("magic number"))

        // The first storage's element count (the 8 bytes after the key-list pickle).
        let file = try Self.read()
        let firstData = file.tensors.values.map(\.storageByteOffset).min()!
        var count = Self.bytes
        count[firstData - 8] &+= 1
        let c = try #require(throws: TorchPickleError.self) { try Self.read(count) }
        #expect(c.offset == firstData - 8 && c.problem.contains("elements but its id declares"), "\(c)")
        #expect(c.description.hasPrefix("tiny.pth: byte \(firstData - 8): storage '"))

        let garbage = try #require(throws: TorchPickleError.self) { try Self.read(Data("hello world".utf8)) }
        #expect(garbage.offset == 0)
    }

    @Test func refusesDeepNestingAndSelfContainingDicts() throws {
        // 200 nested 1-tuples: refused at depth 65, whatever the file size.
        let deep: [UInt8] = [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 200) + [0x2E]
        let e = try deep.withUnsafeBytes { raw in
            try #require(throws: TorchPickleError.self) { var m = PickleMachine(bytes: raw, fileName: "deep.pkl"); _ = try m.load() }
        }
        #expect(e.offset == 3 + PickleMachine.maxDepth - 1 && e.problem.contains("nested deeper than 64"), "\(e)")

        // A legacy file whose state dict contains itself: {"a": <itself>}, then an empty key list.
        let header = try Self.bytes.withUnsafeBytes { raw -> Int in
            var m = PickleMachine(bytes: raw, fileName: "tiny.pth")
            for _ in 0..<3 { _ = try m.load() }
            return m.position
        }
        var loop = Self.bytes.prefix(header)
        loop.append(contentsOf: [0x80, 0x02, 0x7D, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x68, 0x00, 0x73, 0x2E])
        loop.append(contentsOf: [0x80, 0x02, 0x5D, 0x2E])
        let l = try #require(throws: TorchPickleError.self) { try Self.read(loop) }
        #expect(l.offset == header && l.problem.contains("containing themselves"), "\(l)")
    }

    @Test func pickleMachineBuildsPlainValues() throws {
        // pickle.dumps({"a": [1, -2, 3.5, True, None], "b": (b"xy", "é"), 2**70: 1}, protocol=2)
        let bytes: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x28, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x01, 0x5D, 0x71,
                              0x02, 0x28, 0x4B, 0x01, 0x4A, 0xFE, 0xFF, 0xFF, 0xFF, 0x47, 0x40, 0x0C, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x88, 0x4E, 0x65, 0x58, 0x01, 0x00, 0x00, 0x00, 0x62, 0x71, 0x03, 0x63, 0x5F, 0x63,
                              0x6F, 0x64, 0x65, 0x63, 0x73, 0x0A, 0x65, 0x6E, 0x63, 0x6F, 0x64, 0x65, 0x0A, 0x71, 0x04, 0x58,
                              0x02, 0x00, 0x00, 0x00, 0x78, 0x79, 0x71, 0x05, 0x58, 0x06, 0x00, 0x00, 0x00, 0x6C, 0x61, 0x74,
                              0x69, 0x6E, 0x31, 0x71, 0x06, 0x86, 0x71, 0x07, 0x52, 0x71, 0x08, 0x58, 0x02, 0x00, 0x00, 0x00,
                              0xC3, 0xA9, 0x71, 0x09, 0x86, 0x71, 0x0A, 0x8A, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x40, 0x4B, 0x01, 0x75, 0x2E]
        let value = try bytes.withUnsafeBytes { raw -> PickleValue in
            var machine = PickleMachine(bytes: raw, fileName: "plain.pkl")
            let v = try machine.load()
            #expect(machine.position == bytes.count)
            return v
        }
        guard case .dict(let d) = value else { Issue.record("not a dict: \(value.kind)"); return }
        #expect(d.keys.count == 3)
        let a = try #require(d["a"]?.elements)
        #expect(a.count == 5 && a[0].intValue == 1 && a[1].intValue == -2)
        if case .float(let f) = a[2] { #expect(f == 3.5) } else { Issue.record("a[2] is \(a[2].kind)") }
        if case .bool(true) = a[3] {} else { Issue.record("a[3] is \(a[3].kind)") }
        if case .none = a[4] {} else { Issue.record("a[4] is \(a[4].kind)") }
        let b = try #require(d["b"]?.elements)
        // Python 2-compatible bytes are a call of _codecs.encode: kept as an object.
        if case .object(let o) = b[0], case .global("_codecs", "encode") = o.callable {} else { Issue.record("b[0] is \(b[0].kind)") }
        #expect(b[1].stringValue == "é")
        if case .bigInt(let big) = d.keys[2] { #expect(big == [0, 0, 0, 0, 0, 0, 0, 0, 0x40]) } else { Issue.record("key is \(d.keys[2].kind)") }
    }
}
