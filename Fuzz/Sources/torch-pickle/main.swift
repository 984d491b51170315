// Fuzzes the legacy PyTorch file reader (`TorchLegacyPickle.read(data:fileName:)`: the pickle
// machine, storages, shapes and strides), the conversion of every tensor, and the conversion
// to safetensors. The input is the file.
import Foundation
import FuzzSupport
import NumCore

let target = FuzzTarget(name: "torch-pickle", seeds: seeds) { input in
    let data = Data(input.rest())
    expectErrors("torch pickle", allowed: { $0 is TorchPickleError }) {
        let file = try TorchLegacyPickle.read(data: data, fileName: "x.pth")
        for name in file.names {
            let t = file.tensors[name]!
            expectErrors("floats \(name)", allowed: { $0 is TorchPickleError }) {
                let v = try file.floats(name)
                require(v.count == t.count, "\(v.count) values for \(t.count) elements")
            }
            expectErrors("int64s \(name)", allowed: { $0 is TorchPickleError }) { _ = try file.int64s(name) }
        }
        _ = try file.safeTensors()
    }
}

/// The test suite's tiny state dict (Tests/NumCoreTests/TorchPickleFixture.swift), and cuts of it.
func seeds() -> [(name: String, bytes: [UInt8])] {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/NumCoreTests/TorchPickleFixture.swift")
    let source = try! String(contentsOf: fixture, encoding: .utf8)
    let start = source.range(of: "\"\"\"")!.upperBound
    let end = source[start...].range(of: "\"\"\"")!.lowerBound
    let base64 = source[start..<end].filter { !$0.isWhitespace }
    let pth = [UInt8](Data(base64Encoded: String(base64))!)
    return [("state-dict", pth), ("truncated", Array(pth.prefix(pth.count - 100))), ("pickles-only", Array(pth.prefix(1200)))]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
