// Fuzzes the safetensors reader on bytes in memory (`SafeTensorsFile.read(data:path:)`:
// header length, JSON, dtypes, shapes, offsets, esans's checksums) and the conversion of
// every tensor it accepts.
//
// Input: one option byte (bit 0: recompute esans's checksums, so that mutations reach the
// checks behind them; without it they must be refused by the checksums), then the file.
import Foundation
import FuzzSupport
import NumCore

let target = FuzzTarget(name: "safetensors", seeds: seeds) { input in
    let flags = input.byte()
    var file = input.rest()
    if flags & 1 != 0 { file = SafeTensorsPatch.resealed(file) }
    let data = Data(file)
    expectErrors("safetensors", allowed: { $0 is TensorIOError }) {
        let f = try SafeTensorsFile.read(data: data, path: "/fuzz/x.safetensors")
        for name in f.names {
            require(f.shape(of: name) != nil && f.dtype(of: name) != nil, "tensor '\(name)' listed without shape or dtype")
            expectErrors("matrix \(name)", allowed: { $0 is TensorIOError }) {
                let m = try f.matrix(name)
                require(m.count <= data.count, "\(m.rows)x\(m.cols) matrix from \(data.count) bytes")
            }
            expectErrors("int32s \(name)", allowed: { $0 is TensorIOError }) { _ = try f.int32s(name) }
            expectErrors("int64s \(name)", allowed: { $0 is TensorIOError }) { _ = try f.int64s(name) }
        }
    }
}

/// The bytes of `file` as `SafeTensorsFile.write` saves it (with esans's checksums).
func written(_ file: SafeTensorsFile) -> [UInt8] {
    let url = Scratch.root.appendingPathComponent("seed.safetensors")
    try! file.write(to: url)
    return [UInt8](try! Data(contentsOf: url))
}

/// A file written by hand: a JSON header (unpadded) and data, no checksums.
func plain(_ json: String, _ payload: [UInt8]) -> [UInt8] {
    let header = Array(json.utf8)
    var out: [UInt8] = []
    for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64(k)))) }
    return out + header + payload
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    var f = SafeTensorsFile()
    f.metadata = ["format": "fuzz", "note": "a \"quoted\" value"]
    f.add(name: "w", matrix: Matrix(rows: 2, cols: 3, values: [1, 2, 3, 4, 5, 6]))
    f.add(name: "codes", int32: [3, -1, 7])
    f.add(name: "big", int64: [1 << 40, -2], shape: [2, 1])
    f.add(name: "empty", matrix: Matrix(rows: 0, cols: 4))
    let esans = written(f)
    var half: [UInt8] = []
    for h: UInt16 in [0x3C00, 0x8001, 0x7C00, 0x7E00] { half += [UInt8(h & 0xFF), UInt8(h >> 8)] }
    let other = plain("{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                      + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[12,20]},\"u\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[20,23]}}",
                      half + [0x80, 0x3F, 0x00, 0xC0] + (0.25).bitPattern.littleEndianBytes + [1, 2, 3])
    return [
        ("esans-resealed", [1] + esans),
        ("esans-as-written", [0] + esans),
        ("third-party", [0] + other),
        ("metadata-only", [0] + plain("{\"__metadata__\":{\"a\":\"b\"}}", [])),
    ]
}

extension UInt64 {
    var littleEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> (8 * UInt64($0))) } }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
