// Fuzzes the LightGCN reader (`train.txt` + `test.txt`) through `DatasetLoader.load`, with
// the loader options chosen by the first byte.
//
// Input: one option byte (bit 0 strict, bit 1 dedupe, bit 2 carve validation, bit 3 detect
// the format from the directory), then train.txt, a zero byte, test.txt.
import Datasets
import Foundation
import FuzzSupport

let target = FuzzTarget(name: "lightgcn", seeds: seeds) { input in
    let flags = input.byte()
    let files = input.parts(2)
    let dir = Scratch.directory("lightgcn")
    Scratch.write(files[0], "train.txt", in: dir)
    Scratch.write(files.count > 1 ? files[1] : [], "test.txt", in: dir)
    let options = LoadOptions(format: flags & 8 != 0 ? nil : .lightgcn, strict: flags & 1 != 0, dedupe: flags & 2 != 0,
                              seed: 7, validationFraction: flags & 4 != 0 ? 0.25 : 0)
    expectErrors("lightgcn", allowed: DatasetCheck.isDataError) {
        DatasetCheck.verify(try DatasetLoader.load(path: dir.path, options: options))
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    func seed(_ flags: UInt8, _ train: String, _ test: String) -> [UInt8] {
        var b = InputBuilder()
        b.options(flags)
        b.files([train, test])
        return b.bytes
    }
    return [
        ("basic", seed(0, "0 1 2 3\n1 2 4\n2 0 1\n", "0 4\n1 0\n2 3\n")),
        ("strict-dedupe", seed(3, "0 1 1 2\r\n1 2\r\n\r\n3 0 2\n", "0 3\n3 1\n")),
        ("validation", seed(4, "0 1 2 3 4 5\n1 0 2 3 4 5\n2 5 4 3\n", "0 0\n1 1\n2 2\n")),
        ("tabs-empty-user", seed(8, "0\t1\t2\n1\n2\t0\n", "0\t2\n")),
        ("sparse-ids", seed(0, "10 200 3000\n5 7\n", "10 7\n5 200\n")),
        ("bad-token", seed(1, "0 1 x2\n", "0 1\n")),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
