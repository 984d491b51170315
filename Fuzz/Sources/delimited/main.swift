// Fuzzes the CSV/TSV reader with a column mapping through `DatasetLoader.load`.
//
// Input: two option bytes, then the file. Byte 1: bit 0 TSV instead of CSV, bit 1 no header,
// bits 2-3 the delimiter (the format's, `;`, `::`, a space), bits 4-5 the columns (chosen
// automatically; positions 0, 1; positions 1, 0, 2; names `u`, `i`, `t`), bits 6-7 the split
// (the format's, time:0.8, loo, random:0.5). Byte 2: bit 0 strict, bit 1 dedupe, bit 2 carve
// validation, bit 3 detect the format from the extension.
import Datasets
import Foundation
import FuzzSupport

let delimiters: [String?] = [nil, ";", "::", " "]
let mappings = [ColumnMapping(), ColumnMapping(user: 0, item: 1), ColumnMapping(user: 1, item: 0, timestamp: 2),
                ColumnMapping(user: "u", item: "i", timestamp: "t")]
let splits: [Split?] = [nil, .ratioByTime(0.8), .leaveOneOutByTime, .randomRatio(0.5)]

let target = FuzzTarget(name: "delimited", seeds: seeds) { input in
    let a = input.byte(), b = input.byte()
    let format: DataFormat = a & 1 != 0 ? .tsv : .csv
    let url = Scratch.write(input.rest(), "data." + format.rawValue, in: Scratch.root)
    let options = LoadOptions(format: b & 8 != 0 ? nil : format, split: splits[Int(a >> 6 & 3)], strict: b & 1 != 0,
                              dedupe: b & 2 != 0, seed: 5, columns: mappings[Int(a >> 4 & 3)], header: a & 2 == 0,
                              delimiter: delimiters[Int(a >> 2 & 3)], validationFraction: b & 4 != 0 ? 0.2 : 0)
    expectErrors("delimited", allowed: DatasetCheck.isDataError) {
        DatasetCheck.verify(try DatasetLoader.load(path: url.path, options: options))
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    func seed(_ a: UInt8, _ b: UInt8, _ text: String) -> [UInt8] {
        var input = InputBuilder()
        input.options(a, b)
        input.text(text)
        return input.bytes
    }
    let csv = "user_id,item_id,rating,timestamp\n1,10,4,978300760\n1,11,3,978302109\n2,10,5,978301968\n"
        + "2,12,1,978300275\n3,11,4,978824291\n3,10,2,2000-12-31T22:12:40Z\n1,12,5,978300000\n"
    let quoted = "u,i,t\n\"a,1\",\"x \"\"y\"\"\",1\n\"b\n2\",x,2\nb,\"z\",3\na,z,4\r\n"
    return [
        ("csv-auto-time", seed(0 | 1 << 6, 0, csv)),
        ("csv-named-loo", seed(3 << 4 | 2 << 6, 1, quoted)),
        ("tsv-noheader-positions", seed(1 | 2 | 1 << 4, 2, "1\t10\t5\n1\t11\t6\n2\t10\t7\n2\t11\t8\n")),
        ("semicolon-swapped", seed(1 << 2 | 2 << 4 | 3 << 6, 4, "10;1;5\n11;1;6\n10;2;7\n12;2;1\n")),
        ("double-colon-detect", seed(2 << 2 | 2 | 1 << 4, 8, "1::10::5::978300760\n1::11::3::978302109\n2::10::4::978301968\n")),
        ("iso-dates", seed(1 << 6, 0, "user,item,time\nu1,i1,2001-01-01T00:00:00Z\nu1,i2,2001-01-02T00:00:00+01:00\nu2,i1,1e9\nu2,i2,bad\n")),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
