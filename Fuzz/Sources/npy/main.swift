// Fuzzes the `.npy` reader on bytes in memory: `NPY.readMatrix(data:file:)` and
// `NPY.readInt32s(data:file:)`. The input is the file.
import Foundation
import FuzzSupport
import NumCore

let target = FuzzTarget(name: "npy", seeds: seeds) { input in
    let data = Data(input.rest())
    expectErrors("npy matrix", allowed: { $0 is TensorIOError }) {
        let m = try NPY.readMatrix(data: data, file: "x.npy")
        require(m.count <= data.count, "\(m.rows)x\(m.cols) matrix from \(data.count) bytes")
    }
    expectErrors("npy int32s", allowed: { $0 is TensorIOError }) {
        let v = try NPY.readInt32s(data: data, file: "x.npy")
        require(v.count <= data.count, "\(v.count) integers from \(data.count) bytes")
    }
}

/// A version-1.0 file as numpy writes it: magic, version, header length, the header padded
/// to 64 bytes, the data.
func npy(_ dict: String, _ payload: [UInt8], version: UInt8 = 1) -> [UInt8] {
    var header = Array(dict.utf8)
    let prefix = version == 1 ? 10 : 12
    while (prefix + header.count + 1) % 64 != 0 { header.append(0x20) }
    header.append(0x0A)
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    let n = header.count
    out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
    return out + header + payload
}

func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

func seeds() -> [(name: String, bytes: [UInt8])] {
    [
        ("f4-2x3", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", bytes([Float](arrayLiteral: 1, 2, 3, 4, 5, 6)))),
        ("f8-3", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", bytes([0.5, -1, 1e300]))),
        ("f4-big-endian", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", bytes([Float](arrayLiteral: 1, 2, 3, 4).map { $0.bitPattern.byteSwapped }))),
        ("i4-4", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", bytes([Int32](arrayLiteral: 7, -1, 2, 1_000_000)))),
        ("i8-scalar-v2", npy("{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (), }", bytes([Int64(5)]), version: 2)),
        ("f4-empty-v3", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", [], version: 3)),
        ("fortran", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", bytes([Float(1)]))),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
