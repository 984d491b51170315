// Fuzzes the reading of a run's `metrics.json` (`MetricsLog.read(from:)`, as `--resume` and
// the compare harness read it); a log that reads must write back and read back the same.
// The input is the JSON.
import Foundation
import FuzzSupport
import NumCore
import Runs

let target = FuzzTarget(name: "metrics-log", seeds: seeds) { input in
    let url = Scratch.write(input.rest(), "metrics.json", in: Scratch.root)
    expectErrors("metrics.json", allowed: { $0 is TensorIOError }) {
        let log = try MetricsLog.read(from: url)
        let copy = Scratch.root.appendingPathComponent("metrics-copy.json")
        try log.write(to: copy)
        let again = try MetricsLog.read(from: copy)
        require(again.epochs == log.epochs && again.final == log.final && again.info == log.info,
                "metrics.json does not survive a write/read round trip")
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    var log = MetricsLog()
    log.epochs = [["epoch": 1, "loss": 4.5, "recall@20": 0.01], ["epoch": 2, "loss": 3.25, "recall@20": 0.0123456789, "seconds": 1e-7]]
    log.final = ["recall@20": 0.2, "ndcg@20": 0.1]
    log.info = ["dataset": "gowalla", "users": "29858", "note": "a \"quoted\" \\ value"]
    let url = Scratch.root.appendingPathComponent("seed.json")
    try! log.write(to: url)
    var running = MetricsLog()
    running.epochs = [["epoch": 1, "loss": 0.5]]
    let url2 = Scratch.root.appendingPathComponent("seed2.json")
    try! running.write(to: url2)
    return [
        ("finished", [UInt8](try! Data(contentsOf: url))),
        ("running", [UInt8](try! Data(contentsOf: url2))),
        ("minimal", Array(#"{"epochs":[]}"#.utf8)),
        ("numbers", Array(#"{"epochs":[{"a":-0.0,"b":1E+2,"c":123456789012345678901234567890}],"final":null,"run":{}}"#.utf8)),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
