import Foundation

/// The hyper-parameters of a BERT encoder, as read from a Hugging Face `config.json`.
///
/// Only what the forward pass needs is kept. The encoder supports the original BERT layout:
/// absolute position embeddings and the exact (erf) GELU (`hidden_act` = `"gelu"`);
/// anything else is rejected when the file is read rather than silently computed wrongly.
public struct BertConfig: Sendable, Equatable {
    /// Number of word-piece ids (rows of the word embedding table).
    public var vocabularySize: Int
    /// Width of every hidden state.
    public var hiddenSize: Int
    /// Number of transformer layers.
    public var layerCount: Int
    /// Number of attention heads; `hiddenSize` must be a multiple of it.
    public var headCount: Int
    /// Width of the feed-forward layer.
    public var intermediateSize: Int
    /// Rows of the position embedding table (the longest input the model accepts).
    public var maxPositions: Int
    /// Rows of the token-type embedding table.
    public var typeVocabularySize: Int
    /// The epsilon added to the variance in every LayerNorm.
    public var layerNormEpsilon: Float

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// A configuration with explicit values (the defaults are those of all-MiniLM-L6-v2).
    public init(vocabularySize: Int = 30_522, hiddenSize: Int = 384, layerCount: Int = 6, headCount: Int = 12,
                intermediateSize: Int = 1536, maxPositions: Int = 512, typeVocabularySize: Int = 2,
                layerNormEpsilon: Float = 1e-12) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Reads `config.json` at `url`.
    /// - Throws: ``TextEncoderError`` naming the file and key when the file is missing, is not a
    ///   JSON object, lacks a required key, or asks for an unsupported activation or
    ///   position-embedding type.
    public static func read(from url: URL) throws -> BertConfig {
        let file = url.lastPathComponent
        guard let data = try? Data(contentsOf: url) else {
            throw TextEncoderError(file: file, problem: "cannot read \(url.path)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TextEncoderError(file: file, problem: "not a JSON object")
        }
        return try parse(object, file: file)
    }

    /// Builds a configuration from the decoded JSON object of a `config.json` named `file`.
    static func parse(_ json: [String: Any], file: String) throws -> BertConfig {
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            guard let raw = json[key] else {
                if let value { return value }
                throw TextEncoderError(file: file, item: key, problem: "missing")
            }
            guard let n = raw as? NSNumber, n.doubleValue == n.doubleValue.rounded(), n.intValue > 0 else {
                throw TextEncoderError(file: file, item: key, problem: "expected a positive integer, found \(raw)")
            }
            return n.intValue
        }
        var config = BertConfig(
            vocabularySize: try int("vocab_size"),
            hiddenSize: try int("hidden_size"),
            layerCount: try int("num_hidden_layers"),
            headCount: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"),
            maxPositions: try int("max_position_embeddings", default: 512),
            typeVocabularySize: try int("type_vocab_size", default: 2))
        if let eps = json["layer_norm_eps"] {
            guard let n = eps as? NSNumber, n.doubleValue > 0 else {
                throw TextEncoderError(file: file, item: "layer_norm_eps", problem: "expected a positive number, found \(eps)")
            }
            config.layerNormEpsilon = n.floatValue
        }
        if config.hiddenSize % config.headCount != 0 {
            throw TextEncoderError(file: file, item: "num_attention_heads",
                                problem: "hidden_size \(config.hiddenSize) is not a multiple of \(config.headCount) heads")
        }
        if let act = json["hidden_act"], (act as? String) != "gelu" {
            throw TextEncoderError(file: file, item: "hidden_act", problem: "only \"gelu\" (erf form) is supported, found \(act)")
        }
        if let pos = json["position_embedding_type"], (pos as? String) != "absolute" {
            throw TextEncoderError(file: file, item: "position_embedding_type",
                                problem: "only \"absolute\" is supported, found \(pos)")
        }
        return config
    }
}
