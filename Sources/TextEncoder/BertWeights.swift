import Foundation
import NumCore

/// The parameters of one transformer layer, dense weights stored `[out, in]` as in PyTorch.
struct BertLayerWeights: @unchecked Sendable {
    /// Query, key and value projections stacked: `3H x H` (rows `0..<H` are the query).
    let qkvWeight: Matrix
    /// `1 x 3H`.
    let qkvBias: Matrix
    /// Attention output projection, `H x H`, and its bias `1 x H`.
    let attentionOutWeight: Matrix, attentionOutBias: Matrix
    /// LayerNorm after the attention block (`1 x H` each).
    let attentionNormGain: Matrix, attentionNormBias: Matrix
    /// Feed-forward expansion, `I x H`, and its bias `1 x I`.
    let intermediateWeight: Matrix, intermediateBias: Matrix
    /// Feed-forward contraction, `H x I`, and its bias `1 x H`.
    let outputWeight: Matrix, outputBias: Matrix
    /// LayerNorm after the feed-forward block (`1 x H` each).
    let outputNormGain: Matrix, outputNormBias: Matrix
}

/// All parameters of a BERT encoder, read from a Hugging Face `model.safetensors` and checked
/// against a ``BertConfig``. Tensor names may carry a `bert.` prefix (checkpoints saved from
/// `BertForPreTraining` and friends) or not (`BertModel`, as in all-MiniLM-L6-v2); the pooler
/// and any heads are ignored.
struct BertWeights: @unchecked Sendable {
    let config: BertConfig
    /// `V x H`.
    let wordEmbeddings: Matrix
    /// `P x H`.
    let positionEmbeddings: Matrix
    /// `T x H`.
    let tokenTypeEmbeddings: Matrix
    /// LayerNorm over the summed embeddings (`1 x H` each).
    let embeddingNormGain: Matrix, embeddingNormBias: Matrix
    let layers: [BertLayerWeights]

    /// Reads and checks every tensor of the encoder.
    /// - Throws: ``TextEncoderError`` naming the file and tensor when one is missing or has
    ///   another shape than `config` implies; ``TensorIOError`` when the file is malformed.
    init(url: URL, config: BertConfig) throws {
        let fileName = url.lastPathComponent
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TextEncoderError(file: fileName, problem: "missing (looked for \(url.path))")
        }
        let file = try SafeTensorsFile.read(from: url)
        let prefix = file.shape(of: "embeddings.word_embeddings.weight") == nil
            && file.shape(of: "bert.embeddings.word_embeddings.weight") != nil ? "bert." : ""

        func load(_ name: String, _ shape: [Int]) throws -> Matrix {
            let full = prefix + name
            guard let actual = file.shape(of: full) else {
                throw TextEncoderError(file: fileName, item: full, problem: "tensor missing")
            }
            // A vector may also be stored as a 1 x n matrix.
            guard actual == shape || (shape.count == 1 && actual == [1] + shape) else {
                throw TextEncoderError(file: fileName, item: full,
                                    problem: "shape \(actual), expected \(shape) from config.json")
            }
            do {
                return try file.matrix(full)
            } catch let e as TensorIOError {
                throw TextEncoderError(file: fileName, item: full, problem: e.problem)
            }
        }

        let h = config.hiddenSize, inner = config.intermediateSize
        self.config = config
        wordEmbeddings = try load("embeddings.word_embeddings.weight", [config.vocabularySize, h])
        positionEmbeddings = try load("embeddings.position_embeddings.weight", [config.maxPositions, h])
        tokenTypeEmbeddings = try load("embeddings.token_type_embeddings.weight", [config.typeVocabularySize, h])
        embeddingNormGain = try load("embeddings.LayerNorm.weight", [h])
        embeddingNormBias = try load("embeddings.LayerNorm.bias", [h])

        var layers: [BertLayerWeights] = []
        for i in 0..<config.layerCount {
            let p = "encoder.layer.\(i)."
            let qkvWeight = Matrix(uninitializedRows: 3 * h, cols: h)
            let qkvBias = Matrix(uninitializedRows: 1, cols: 3 * h)
            for (part, name) in ["query", "key", "value"].enumerated() {
                let w = try load(p + "attention.self.\(name).weight", [h, h])
                let b = try load(p + "attention.self.\(name).bias", [h])
                qkvWeight.row(part * h).update(from: w.data, count: h * h)
                (qkvBias.data + part * h).update(from: b.data, count: h)
            }
            layers.append(BertLayerWeights(
                qkvWeight: qkvWeight, qkvBias: qkvBias,
                attentionOutWeight: try load(p + "attention.output.dense.weight", [h, h]),
                attentionOutBias: try load(p + "attention.output.dense.bias", [h]),
                attentionNormGain: try load(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBias: try load(p + "attention.output.LayerNorm.bias", [h]),
                intermediateWeight: try load(p + "intermediate.dense.weight", [inner, h]),
                intermediateBias: try load(p + "intermediate.dense.bias", [inner]),
                outputWeight: try load(p + "output.dense.weight", [h, inner]),
                outputBias: try load(p + "output.dense.bias", [h]),
                outputNormGain: try load(p + "output.LayerNorm.weight", [h]),
                outputNormBias: try load(p + "output.LayerNorm.bias", [h])))
        }
        self.layers = layers
    }
}
