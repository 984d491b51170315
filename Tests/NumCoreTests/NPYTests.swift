import Foundation
import Testing
@testable import NumCore

/// A fresh empty directory for one test's files.
func makeScratchDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("numcore-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// `numpy.save(np.array([[1.5, -2, 3], [4, 5, 6.25]], dtype='<f4'))`, numpy 2.4.
let npyFloat32x2x3 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACgQAAAyEA="
/// `numpy.save(np.array([0.1, 2.5, -3], dtype='<f8'))`.
let npyFloat64x3 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqamZmZmZm5PwAAAAAAAARAAAAAAAAACMA="
/// `numpy.save(np.array([7, -1, 2, 1000000], dtype='<i4'))`.
let npyInt32x4 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoHAAAA/////wIAAABAQg8A"
/// `numpy.save(np.array([[1, 2], [3, 4]], dtype='>f4'))` (big-endian).
let npyBigEndian2x2 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/gAAAQAAAAEBAAABAgAAA"

@Suite struct NPYTests {
    @Test func writesExactlyWhatNumpyWrites() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = Matrix(rows: 2, cols: 3, values: [1.5, -2, 3, 4, 5, 6.25])
        let url = dir.appendingPathComponent("m.npy")
        try NPY.write(m, to: url)
        #expect(try Data(contentsOf: url) == Data(base64Encoded: npyFloat32x2x3)!)
        let ints = dir.appendingPathComponent("i.npy")
        try NPY.write(int32: [7, -1, 2, 1_000_000], to: ints)
        #expect(try Data(contentsOf: ints) == Data(base64Encoded: npyInt32x4)!)
    }

    @Test func headerIsPaddedTo64Bytes() {
        for shape in [[0], [5], [123_456_789, 3], [1, 1], []] {
            let h = NPY.header(descr: "<f4", shape: shape)
            #expect(h.count % 64 == 0)
            #expect(h.last == 0x0A)
        }
    }

    @Test func readsNumpyFiles() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func fixture(_ b64: String, _ name: String) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try Data(base64Encoded: b64)!.write(to: url)
            return url
        }
        let m = try NPY.readMatrix(from: fixture(npyFloat32x2x3, "a.npy"))
        #expect(m.rows == 2 && m.cols == 3 && m.array == [1.5, -2, 3, 4, 5, 6.25])
        let d = try NPY.readMatrix(from: fixture(npyFloat64x3, "b.npy"))
        #expect(d.rows == 1 && d.cols == 3 && d.array == [0.1, 2.5, -3])
        let be = try NPY.readMatrix(from: fixture(npyBigEndian2x2, "c.npy"))
        #expect(be.array == [1, 2, 3, 4])
        #expect(try NPY.readInt32s(from: fixture(npyInt32x4, "d.npy")) == [7, -1, 2, 1_000_000])
    }

    @Test func roundTripsMatrices() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = RandomSource(seed: 5)
        for (r, c) in [(0, 3), (1, 1), (7, 13), (64, 5)] {
            let m = Matrix(rows: r, cols: c, values: (0..<(r * c)).map { _ in rng.normal() })
            let url = dir.appendingPathComponent("r\(r)x\(c).npy")
            try NPY.write(m, to: url)
            let back = try NPY.readMatrix(from: url)
            #expect(back.rows == r && back.cols == c && back.array == m.array)
        }
    }

    @Test func rejectsBadFiles() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = Data(base64Encoded: npyFloat32x2x3)!
        func check(_ bytes: Data, _ name: String, mentions: String) {
            let url = dir.appendingPathComponent(name)
            try? bytes.write(to: url)
            do {
                _ = try NPY.readMatrix(from: url)
                Issue.record("\(name) was accepted")
            } catch let e as TensorIOError {
                #expect(e.file == name)
                #expect(e.description.contains(mentions), "\(e)")
            } catch { Issue.record("unexpected error \(error)") }
        }
        var badMagic = good; badMagic[1] = 0x41
        check(badMagic, "magic.npy", mentions: "magic")
        check(good.prefix(good.count - 3), "short.npy", mentions: "truncated")
        check(good.prefix(40), "header.npy", mentions: "truncated header")
        check(Data(base64Encoded: npyInt32x4)!, "ints.npy", mentions: "unsupported dtype")
        let text = String(decoding: good, as: UTF8.self)
        var fortran = good
        if let r = text.range(of: "False") {
            let at = text.utf8.distance(from: text.startIndex, to: r.lowerBound)
            fortran.replaceSubrange(at..<(at + 5), with: Array("True ".utf8))
        }
        check(fortran, "fortran.npy", mentions: "fortran_order")
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
        let dir = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("note.txt")
        try AtomicFile.writeText("first", to: url)
        try AtomicFile.writeText("second", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["note.txt"])
        // A destination in a missing directory fails cleanly.
        let missing = dir.appendingPathComponent("nope/x.txt")
        #expect(throws: TensorIOError.self) { try AtomicFile.writeText("x", to: missing) }
        // Renaming onto a directory fails; the temporary file must be gone afterwards.
        let sub = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub.appendingPathComponent("inner"), withIntermediateDirectories: true)
        #expect(throws: TensorIOError.self) { try AtomicFile.writeText("x", to: sub) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["note.txt", "sub"])
    }
}
