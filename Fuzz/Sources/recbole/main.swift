// Fuzzes the RecBole reader (`.inter` atomic files) through `DatasetLoader.load`.
//
// Input: one option byte (bits 0-1 the split: given files, time:0.8, loo, random:0.5; bit 2
// strict; bit 3 dedupe; bit 4 columns by position 0, 1, 2 instead of by name; bit 5 carve
// validation; bit 6 pass the .inter file instead of the directory), then the files separated
// by zero bytes: `ds.inter`, or with the given split `ds.train.inter`, `ds.test.inter` and,
// when there is a third part, `ds.valid.inter`.
import Datasets
import Foundation
import FuzzSupport

let splits: [Split] = [.givenFiles, .ratioByTime(0.8), .leaveOneOutByTime, .randomRatio(0.5)]

let target = FuzzTarget(name: "recbole", seeds: seeds) { input in
    let flags = input.byte()
    let split = splits[Int(flags & 3)]
    let files = input.parts(3)
    let dir = Scratch.directory("recbole").appendingPathComponent("ds")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    var path: URL
    if split == .givenFiles {
        path = Scratch.write(files[0], "ds.train.inter", in: dir)
        Scratch.write(files.count > 1 ? files[1] : [], "ds.test.inter", in: dir)
        if files.count > 2 { Scratch.write(files[2], "ds.valid.inter", in: dir) }
    } else {
        path = Scratch.write(files[0], "ds.inter", in: dir)
    }
    if flags & 64 == 0 { path = dir }
    var options = LoadOptions(format: .recbole, split: split, strict: flags & 4 != 0, dedupe: flags & 8 != 0, seed: 3,
                              validationFraction: flags & 32 != 0 ? 0.2 : 0)
    if flags & 16 != 0 { options.columns = ColumnMapping(user: 0, item: 1, timestamp: 2) }
    expectErrors("recbole", allowed: DatasetCheck.isDataError) {
        DatasetCheck.verify(try DatasetLoader.load(path: path.path, options: options))
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    let seed = InputBuilder.seed
    let inter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        + "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n186\t242\t5\t880606923\n"
        + "22\t377\t1\t878887116\n22\t302\t4\t879270459\n196\t302\t2\t882397596\n"
    let titled = "user_id:token\titem_id:token\ttimestamp:float\tnote:token_seq\tscore:float_seq\n"
        + "a\tx\t1.5\thello world\t1 2.5 -3e2\n\u{FEFF}b\ty\t\t\t\nb\tx\t2\tz\t.5\r\n"
    return [
        ("time", seed(1, [inter])),
        ("loo-dedupe", seed(2 | 8, [inter + "196\t242\t3\t881250950\n"])),
        ("random-validation", seed(3 | 32, [inter])),
        ("given", seed(0, [inter, "196\t302\t2\t1\n22\t242\t5\t2\n", "186\t377\t1\t3\n"])),
        ("given-strict-file", seed(4 | 64, [inter, "196\t999\t2\t1\n"])),
        ("positional", seed(1 | 16, [inter])),
        ("sequences", seed(1, [titled])),
        ("bom-crlf", seed(1, ["\u{FEFF}user_id:token\titem_id:token\r\n1\t2\r\n1\t3\r\n2\t2\r\n2\t3\r\n"])),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
