// Fuzzes the JSON body of `POST /v1/retrieve` (the only route with a body): the decoding and
// checks of `RetrievalRoutes.retrieveQuery(body:)`, then the retrieval itself over a tiny run
// with exact and IVF indexes, and `similar` with the same id, k, index and nprobe (the
// `GET /v1/items/{id}/similar` route). A client's request may be refused only with a 4xx: a
// `ServingError` of kind `badInput` (HTTP 500) is a finding. The input is the body.
import Datasets
import Foundation
import FuzzSupport
import Models
import NumCore
import Runs
import Serving
import ServingHTTP

/// A run directory with a user tower that pools histories and has id embeddings: 12 users,
/// 20 items, 4 dimensions, untrained (serving does not care).
let retriever: Retriever = {
    let root = Scratch.directory("http-run")
    let data = root.appendingPathComponent("data"), run = root.appendingPathComponent("run")
    try! FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    try! FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
    var train = "", test = ""
    for u in 0..<12 {
        train += "\(u) " + (0..<4).map { String((u * 3 + $0) % 20) }.joined(separator: " ") + "\n"
        test += "\(u) \((u * 3 + 9) % 20)\n"
    }
    Scratch.write(Array(train.utf8), "train.txt", in: data)
    Scratch.write(Array(test.utf8), "test.txt", in: data)
    var source = RunConfig.DataSource(path: data.path)
    source.format = .lightgcn
    var model = ModelConfig()
    model.dim = 4
    model.user = TowerConfig(idEmbedding: true, history: true)
    var training = TrainConfig()
    training.validationFraction = 0
    let config = RunConfig(data: source, model: model, training: training, optimizer: AdamOptimizer.Config())
    try! JSONEncoder().encode(config).write(to: run.appendingPathComponent("config.json"))
    let ds = try! config.loadDataset()
    let m = TwoTowerModel(config: model, numUsers: ds.numUsers, numItems: ds.numItems, seed: 1)
    try! Checkpoint.save(model: m, optimizer: nil, metadata: [:], to: run.appendingPathComponent("model.safetensors"))
    let serving = try! ServingRun(directory: run)
    let ivf = IVFBuilder.fromKMeans(items: serving.items, lists: 4, defaultProbes: 2)
    return Retriever(run: serving, ivf: ivf, maxK: 50)
}()

/// Errors a client's request may get: 4xx answers.
func isClientError(_ error: Error) -> Bool {
    switch error {
    case is DecodingError: return true
    case let e as APIError: return (400..<500).contains(Int(e.status.code))
    case let e as ServingError: return e.kind != .badInput
    default: return false
    }
}

let target = FuzzTarget(name: "http-request", seeds: seeds) { input in
    let body = Data(input.rest())
    expectErrors("POST /v1/retrieve", allowed: isClientError) {
        let query = try RetrievalRoutes.retrieveQuery(body: body)
        let items = try retriever.retrieve(query)
        require(items.count <= query.k, "\(items.count) items for k = \(query.k)")
    }
    // The similar route's parameters, taken from the same body when it decodes.
    guard let query = try? RetrievalRoutes.retrieveQuery(body: body) else { return }
    let id: String
    switch query.source {
    case .user(let u): id = u
    case .history(let h, _): id = h.first ?? ""
    case .vector: id = "3"
    }
    expectErrors("GET /v1/items/{id}/similar", allowed: isClientError) {
        _ = try retriever.similar(to: id, k: query.k, index: query.index, nprobe: query.nprobe)
    }
}

func seeds() -> [(name: String, bytes: [UInt8])] {
    [
        ("user", #"{"user_id":"3","k":5}"#),
        ("user-int-ivf", #"{"user_id":7,"k":3,"index":"ivf","nprobe":2,"exclude_seen":false}"#),
        ("history", #"{"history":["1",2,"19"],"user_id":"0","exclude":["4"],"k":10}"#),
        ("vector", #"{"vector":[0.5,-1,1e-50,2],"k":4,"index":"exact"}"#),
        ("both", #"{"user_id":"1","vector":[1,0,0,0]}"#),
        ("null-history", #"{"history":null}"#),
        ("unknown-ids", #"{"history":["nope"],"user_id":"x","exclude":["y"],"k":0,"nprobe":-1}"#),
    ].map { ($0.0, Array($0.1.utf8)) }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target.initialize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
