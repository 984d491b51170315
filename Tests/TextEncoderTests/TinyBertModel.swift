import Foundation
import NumCore
@testable import TextEncoder

/// A small random BERT written to a temporary model directory (`config.json`, `vocab.txt`,
/// `model.safetensors`), plus a straightforward double-precision forward pass to check the
/// encoder against. Independent of the encoder's code: per sentence, no packing, no GEMM.
struct TinyBertModel {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "sat", "on", "mat", ",", ".",
                             "dog", "##s", "run", "##ning", "a", "big", "red", "house", "!"]
    let config = BertConfig(vocabularySize: 24, hiddenSize: 16, layerCount: 2, headCount: 4,
                            intermediateSize: 24, maxPositions: 12, typeVocabularySize: 2, layerNormEpsilon: 1e-12)
    /// Every tensor by its Hugging Face name, as row-major values with their shape.
    var tensors: [String: (shape: [Int], values: [Float])] = [:]

    init(seed: UInt64 = 7) {
        var rng = RandomSource(seed: seed)
        func add(_ name: String, _ shape: [Int], scale: Float = 0.4, offset: Float = 0) {
            let n = shape.reduce(1, *)
            tensors[name] = (shape, (0..<n).map { _ in offset + scale * rng.normal() })
        }
        let h = config.hiddenSize, m = config.intermediateSize
        add("embeddings.word_embeddings.weight", [config.vocabularySize, h])
        add("embeddings.position_embeddings.weight", [config.maxPositions, h])
        add("embeddings.token_type_embeddings.weight", [config.typeVocabularySize, h])
        add("embeddings.LayerNorm.weight", [h], scale: 0.1, offset: 1)
        add("embeddings.LayerNorm.bias", [h], scale: 0.1)
        for i in 0..<config.layerCount {
            let p = "encoder.layer.\(i)."
            for part in ["query", "key", "value"] {
                add(p + "attention.self.\(part).weight", [h, h])
                add(p + "attention.self.\(part).bias", [h], scale: 0.1)
            }
            add(p + "attention.output.dense.weight", [h, h])
            add(p + "attention.output.dense.bias", [h], scale: 0.1)
            add(p + "attention.output.LayerNorm.weight", [h], scale: 0.1, offset: 1)
            add(p + "attention.output.LayerNorm.bias", [h], scale: 0.1)
            add(p + "intermediate.dense.weight", [m, h])
            add(p + "intermediate.dense.bias", [m], scale: 0.1)
            add(p + "output.dense.weight", [h, m])
            add(p + "output.dense.bias", [h], scale: 0.1)
            add(p + "output.LayerNorm.weight", [h], scale: 0.1, offset: 1)
            add(p + "output.LayerNorm.bias", [h], scale: 0.1)
        }
    }

    /// Writes the model to a new temporary directory, with `tensors` replaced or removed as
    /// `edit` says, and returns the directory.
    func write(prefix: String = "", edit: (inout [String: (shape: [Int], values: [Float])]) -> Void = { _ in }) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-bert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let json = """
        {"vocab_size": \(config.vocabularySize), "hidden_size": \(config.hiddenSize), "num_hidden_layers": \(config.layerCount),
         "num_attention_heads": \(config.headCount), "intermediate_size": \(config.intermediateSize),
         "max_position_embeddings": \(config.maxPositions), "type_vocab_size": 2, "layer_norm_eps": 1e-12,
         "hidden_act": "gelu", "position_embedding_type": "absolute"}
        """
        try json.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try (Self.vocabulary.joined(separator: "\n") + "\n")
            .write(to: dir.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        var t = tensors
        edit(&t)
        var file = SafeTensorsFile()
        for name in t.keys.sorted() {
            let (shape, values) = t[name]!
            let m = Matrix(rows: shape.count == 2 ? shape[0] : 1, cols: shape.last!, values: values)
            file.add(name: prefix + name, matrix: m)
        }
        try file.write(to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    /// The L2-normalised mean-pooled embedding of `ids`, in `Double`.
    func referenceEmbedding(_ ids: [Int32]) -> [Double] {
        let h = config.hiddenSize, m = config.intermediateSize, heads = config.headCount, d = h / heads
        func w(_ name: String) -> [Double] { tensors[name]!.values.map(Double.init) }
        func linear(_ x: [[Double]], _ name: String, out: Int) -> [[Double]] {
            let wt = w(name + ".weight"), b = w(name + ".bias")
            let inn = x[0].count
            return x.map { row -> [Double] in
                (0..<out).map { (o: Int) -> Double in
                    var s = b[o]
                    for i in 0..<inn { s += wt[o * inn + i] * row[i] }
                    return s
                }
            }
        }
        func layerNorm(_ x: [[Double]], _ name: String) -> [[Double]] {
            let g = w(name + ".weight"), b = w(name + ".bias")
            return x.map { row in
                let mean = row.reduce(0, +) / Double(row.count)
                let v = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(row.count)
                return row.indices.map { (row[$0] - mean) / (v + 1e-12).squareRoot() * g[$0] + b[$0] }
            }
        }
        let word = w("embeddings.word_embeddings.weight"), pos = w("embeddings.position_embeddings.weight")
        let type = w("embeddings.token_type_embeddings.weight")
        var x = ids.enumerated().map { p, id in (0..<h).map { word[Int(id) * h + $0] + pos[p * h + $0] + type[$0] } }
        x = layerNorm(x, "embeddings.LayerNorm")
        let n = ids.count
        for i in 0..<config.layerCount {
            let p = "encoder.layer.\(i)."
            let q = linear(x, p + "attention.self.query", out: h)
            let k = linear(x, p + "attention.self.key", out: h)
            let v = linear(x, p + "attention.self.value", out: h)
            var ctx = Array(repeating: Array(repeating: 0.0, count: h), count: n)
            for head in 0..<heads {
                let cols = (head * d)..<((head + 1) * d)
                for a in 0..<n {
                    let s = (0..<n).map { b in cols.reduce(0.0) { $0 + q[a][$1] * k[b][$1] } / Double(d).squareRoot() }
                    let mx = s.max()!
                    let e = s.map { Foundation.exp($0 - mx) }
                    let z = e.reduce(0, +)
                    for c in cols { ctx[a][c] = (0..<n).reduce(0.0) { $0 + e[$1] / z * v[$1][c] } }
                }
            }
            let attnOut = linear(ctx, p + "attention.output.dense", out: h)
            x = layerNorm(zip(x, attnOut).map { zip($0, $1).map(+) }, p + "attention.output.LayerNorm")
            let inner = linear(x, p + "intermediate.dense", out: m).map { $0.map { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) } }
            let out = linear(inner, p + "output.dense", out: h)
            x = layerNorm(zip(x, out).map { zip($0, $1).map(+) }, p + "output.LayerNorm")
        }
        var mean = (0..<h).map { c in x.reduce(0.0) { $0 + $1[c] } / Double(n) }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        mean = mean.map { $0 / norm }
        return mean
    }
}
