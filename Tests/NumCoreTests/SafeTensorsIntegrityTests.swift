import Foundation
import Testing
import TestSupport
@testable import NumCore

/// The checksums esans keeps in a safetensors file's metadata: any flipped byte or cut is
/// refused with a message naming the file; files without them (older esans, other tools)
/// still load; absurd headers are refused before anything is allocated.
@Suite struct SafeTensorsIntegrityTests {
    /// A small file with metadata, two dtypes, and a payload of 216 bytes.
    static func sample(in dir: TempDir) throws -> URL {
        var f = SafeTensorsFile()
        f.add(name: "w", matrix: Matrix(rows: 6, cols: 7, values: (0..<42).map { Float($0) * 0.5 - 3 }))
        f.add(name: "ids", int32: (0..<12).map { Int32($0 * 3) }, shape: [3, 4])
        f.metadata = ["esans.epoch": "4", "note": "a \"quoted\" value"]
        let url = dir.file("sample.safetensors")
        try f.write(to: url)
        return url
    }

    @Test func checksumsAreWrittenVerifiedAndHidden() throws {
        let tmp = TempDir()
        let url = try Self.sample(in: tmp)
        let g = try SafeTensorsFile.read(from: url)
        #expect(g.metadata == ["esans.epoch": "4", "note": "a \"quoted\" value"])
        let bytes = try Data(contentsOf: url)
        let n = Int(bytes.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        // The payload checksum is XXH64 of the bytes after the header, as Python's xxhash prints it.
        #expect(g.payloadChecksum == Checksum64.hex(Checksum64.hash(bytes[(8 + n)...])))
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        #expect(header.contains("\"\(SafeTensorsFile.payloadChecksumKey)\":\"\(g.payloadChecksum!)\""))
        #expect(header.contains("\"\(SafeTensorsFile.headerChecksumKey)\":\"") && !header.contains("0000000000000000"))
    }

    /// Every byte of the file flipped (three masks in turn) and every cut: all refused, each
    /// message naming the file.
    @Test func everyFlipAndCutIsRefused() throws {
        let tmp = TempDir()
        let url = try Self.sample(in: tmp)
        let count = try Data(contentsOf: url).count
        let missed = try damagesNotRefused(url, damages(offsets: Array(0..<count), lengths: Array(0..<count)), mention: url.path) {
            let f = try SafeTensorsFile.read(from: url)
            _ = try f.matrix("w")
        }
        #expect(missed.isEmpty, "\(missed.count) of \(2 * count) damaged files not refused: \(missed.prefix(5).map { "\($0.0): \($0.1)" })")
        // The messages say what is wrong.
        var payload = try Data(contentsOf: url)
        payload[payload.count - 3] ^= 0x10
        try payload.write(to: url)
        #expect(throws: TensorIOError(file: url.path, problem: "payload checksum mismatch (file damaged or truncated)")) {
            try SafeTensorsFile.read(from: url)
        }
    }

    /// A file written before checksums (or by another tool) loads unchecked; a file with only
    /// one of the two checksums is damaged.
    @Test func filesWithoutChecksumsStillLoad() throws {
        let tmp = TempDir()
        let url = try Self.sample(in: tmp)
        let legacy = withoutChecksums(try Data(contentsOf: url))
        #expect(!String(decoding: legacy, as: UTF8.self).contains("xxh64"))
        let old = tmp.file("old.safetensors")
        try legacy.write(to: old)
        let f = try SafeTensorsFile.read(from: old)
        #expect(f.payloadChecksum == nil)
        #expect(f.metadata["esans.epoch"] == "4")
        #expect(try f.int32s("ids") == (0..<12).map { Int32($0 * 3) })

        let header = #"{"__metadata__":{"esans.payload_xxh64":"0123456789abcdef"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let half = tmp.file("half.safetensors")
        try rawSafeTensors(header, [0, 0, 128, 63]).write(to: half)
        #expect(throws: TensorIOError.self) { try SafeTensorsFile.read(from: half) }
        do { _ = try SafeTensorsFile.read(from: half) } catch { #expect("\(error)".contains("half.safetensors") && "\(error)".contains("checksum metadata damaged")) }
    }

    /// Headers that claim absurd sizes fail early, with the file and the problem named.
    @Test(arguments: [
        (#"{"x":{"dtype":"F32","shape":[1000000000000,1000000000000],"data_offsets":[0,4]}}"#, "too large to exist"),
        (#"{"x":{"dtype":"F32","shape":[2147483648,2147483648,4],"data_offsets":[0,4]}}"#, "too large to exist"),
        (#"{"x":{"dtype":"F32","shape":[1000000000000],"data_offsets":[0,4000000000000]}}"#, "past the data buffer"),
        (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, "past the data buffer"),
        (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[1e300,1e301]}}"#, "data_offsets"),
    ])
    func absurdHeadersAreRefused(_ header: String, _ problem: String) throws {
        let tmp = TempDir()
        let url = tmp.file("absurd.safetensors")
        try rawSafeTensors(header, [0, 0, 128, 63]).write(to: url)
        do {
            _ = try SafeTensorsFile.read(from: url)
            Issue.record("accepted \(header)")
        } catch {
            #expect("\(error)".contains("absurd.safetensors") && "\(error)".contains(problem), "\(error)")
        }
    }

    @Test(arguments: [UInt64(1_000_000_000_000), UInt64(1) << 63, UInt64(200_000_000)])
    func absurdHeaderLengthsAreRefused(_ n: UInt64) throws {
        let tmp = TempDir()
        let url = tmp.file("long.safetensors")
        var d = Data()
        withUnsafeBytes(of: n.littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array("{}      ".utf8))
        try d.write(to: url)
        #expect(throws: TensorIOError.self) { try SafeTensorsFile.read(from: url) }
        do { _ = try SafeTensorsFile.read(from: url) } catch { #expect("\(error)".contains("header length \(n)"), "\(error)") }
    }

    /// NPY: a shape whose size overflows or exceeds the file (10^12 rows, a 2^31-d vector), or a
    /// header length over the limit, is refused before anything of that size is allocated.
    @Test(arguments: [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }", "too large to exist"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648, 8), }", "too large to exist"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 4), }", "truncated data"),
        // One vector of 2^31 dimensions, alone and as a row.
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648,), }", "truncated data"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2147483648), }", "truncated data"),
    ])
    func absurdNPYShapesAreRefused(_ dict: String, _ problem: String) throws {
        let tmp = TempDir()
        let url = tmp.file("absurd.npy")
        var header = Array(dict.utf8) + [0x0A]
        while (10 + header.count) % 64 != 0 { header.insert(0x20, at: header.count - 1) }
        var d = Data(NPY.magic + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)])
        d.append(contentsOf: header)
        d.append(contentsOf: [UInt8](repeating: 0, count: 16))
        try d.write(to: url)
        do {
            _ = try NPY.readMatrix(from: url)
            Issue.record("accepted \(dict)")
        } catch {
            #expect("\(error)".contains("absurd.npy") && "\(error)".contains(problem), "\(error)")
        }
    }

    @Test func overlongNPYHeaderIsRefused() throws {
        let tmp = TempDir()
        let url = tmp.file("long.npy")
        // Version 2.0: a 4-byte header length, here 2^31.
        var d = Data(NPY.magic + [2, 0, 0, 0, 0, 0x80])
        d.append(contentsOf: Array("{'descr': '<f4'}".utf8))
        try d.write(to: url)
        do {
            _ = try NPY.readMatrix(from: url)
            Issue.record("accepted a 2^31-byte header")
        } catch {
            #expect("\(error)".contains("long.npy") && "\(error)".contains("over the \(NPY.maxHeaderBytes)-byte limit"), "\(error)")
        }
    }
}
