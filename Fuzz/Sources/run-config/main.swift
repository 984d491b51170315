// Fuzzes the reading of a run's `config.json` (`RunConfig.read(from:)`, every setting's
// decoder), of the same JSON as a settings file (`RunSettingsFile.read`, `train --config`)
// and of the copy a model file records (`RunProvenance.check`), then uses what was
// read: loader options, paths, differences, and an encode/decode round trip that must give
// the same configuration. The input is the JSON.
import Foundation
import FuzzSupport
import Models
import NumCore
import Runs

let base = RunConfig(data: .init(path: "/data/x"), model: ModelConfig(), training: TrainConfig(), optimizer: RunConfig.defaultOptimizer)
let allowed: (Error) -> Bool = { $0 is ConfigFileError || $0 is TensorIOError }

let target = FuzzTarget(name: "run-config", seeds: seeds) { input in
    let json = input.rest()
    let url = Scratch.write(json, "config.json", in: Scratch.root)
    expectErrors("config.json", allowed: allowed) {
        let config = try RunConfig.read(from: url)
        _ = try? config.data.loadOptions(seed: 1)
        _ = config.differences(from: base)
        _ = config.sameRun(as: base)
        let again = try JSONDecoder().decode(RunConfig.self, from: try JSONEncoder().encode(config))
        require(again == config, "config.json does not survive an encode/decode round trip")
    }
    // The same bytes as a hand-written settings file (`train --config`): strict keys, defaults
    // for what it leaves out, and a configuration that survives the round trip too.
    expectErrors("settings file", allowed: allowed) {
        let config = try RunSettingsFile.read(from: url, dataPath: "/data/x")
        let again = try JSONDecoder().decode(RunConfig.self, from: try JSONEncoder().encode(config))
        require(again == config, "a settings file does not survive an encode/decode round trip")
    }
    expectErrors("provenance", allowed: allowed) {
        let provenance = RunProvenance(config: base, dataFingerprint: "f")
        let metadata = [RunProvenance.dataKey: "f", RunProvenance.configKey: String(decoding: json, as: UTF8.self)]
        _ = try provenance.check(metadata, file: URL(fileURLWithPath: "/run/model.safetensors"))
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var esans = base
    esans.data.format = .recbole
    esans.data.split = .ratioByTime(0.8)
    esans.data.userColumn = "user_id"
    esans.data.timestampColumn = "2"
    esans.training.sampler = .esans
    esans.training.semanticIDs = "/c/semantic_ids.tsv"
    esans.training.loss = LossConfig(kind: .bsl)
    esans.model.user = TowerConfig(idEmbedding: true, history: true)
    var csv = base
    csv.data.format = .csv
    csv.data.delimiter = "::"
    csv.data.header = false
    csv.training.cutoffs = [5, 10]
    csv.training.lrSchedule = .cosine
    let legacy = #"{"data":{"path":"d"},"model":{},"optimizer":{},"training":{"temperature":0.05,"sampler":"esans","esans":{"logQ":false}}}"#
    return [
        ("default", Array(try! encoder.encode(base))),
        ("esans", Array(try! encoder.encode(esans))),
        ("csv", Array(try! encoder.encode(csv))),
        ("legacy", Array(legacy.utf8)),
    ]
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
