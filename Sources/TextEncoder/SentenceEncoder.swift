import Datasets
import Foundation
import NumCore

/// A sentence-transformers text encoder (all-MiniLM-L6-v2 and other BERT-layout models with
/// mean pooling), in pure Swift: texts in, L2-normalised sentence embeddings out.
///
/// A text is tokenised by ``WordPieceTokenizer`` (`[CLS] … [SEP]`, truncated to
/// ``maxSequenceLength`` tokens), run through the BERT encoder, and its embedding is the mean
/// of the last hidden states over its tokens (special tokens included, as sentence-transformers
/// does: only padding is excluded), divided by its Euclidean norm.
///
/// ```swift
/// let encoder = try SentenceEncoder(directory: DataFetcher.locate(.minilm)!)
/// let e = encoder.encode(["Toy Story (1995). Genres: Animation, Children's, Comedy"])  // 1 x 384
/// ```
///
/// Texts are batched, and each batch runs packed without padding (see ``BertEncoder``), so
/// the result for a text does not depend on the other texts of its batch beyond float
/// rounding order. The work is spread over `WorkerPool.shared`.
public final class SentenceEncoder: @unchecked Sendable {
    /// The encoder's hyper-parameters (from `config.json`).
    public let config: BertConfig
    /// The tokenizer (from `vocab.txt`).
    public let tokenizer: WordPieceTokenizer
    /// Longest token sequence fed to the model, special tokens included; longer texts are
    /// truncated. `max_seq_length` of `sentence_bert_config.json` (256 for all-MiniLM-L6-v2),
    /// or the position table's size when that file is absent.
    public let maxSequenceLength: Int
    let model: BertEncoder

    /// Width of the embeddings (384 for all-MiniLM-L6-v2).
    public var dimension: Int { config.hiddenSize }

    /// Loads a model directory holding `config.json`, `vocab.txt` and `model.safetensors`
    /// (and optionally `sentence_bert_config.json`), such as `DataFetcher.locate(.minilm)`.
    /// - Throws: ``TextEncoderError`` naming the file (and tensor or key) when a file is missing
    ///   or malformed or a tensor's shape disagrees with `config.json`.
    public init(directory: URL) throws {
        let config = try BertConfig.read(from: directory.appendingPathComponent("config.json"))
        let tokenizer = try WordPieceTokenizer(vocabulary: directory.appendingPathComponent("vocab.txt"))
        if tokenizer.vocabularySize > config.vocabularySize {
            throw TextEncoderError(file: "vocab.txt", problem:
                "\(tokenizer.vocabularySize) pieces, more than vocab_size \(config.vocabularySize) of config.json")
        }
        let weights = try BertWeights(url: directory.appendingPathComponent("model.safetensors"), config: config)
        var maxLength = config.maxPositions
        let stConfig = directory.appendingPathComponent("sentence_bert_config.json")
        if FileManager.default.fileExists(atPath: stConfig.path) {
            guard let data = try? Data(contentsOf: stConfig),
                  let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw TextEncoderError(file: stConfig.lastPathComponent, problem: "not a JSON object")
            }
            if let raw = json["max_seq_length"] {
                guard let n = raw as? NSNumber, n.intValue >= 2 else {
                    throw TextEncoderError(file: stConfig.lastPathComponent, item: "max_seq_length",
                                        problem: "expected an integer >= 2, found \(raw)")
                }
                maxLength = min(n.intValue, config.maxPositions)
            }
        }
        self.config = config
        self.tokenizer = tokenizer
        self.maxSequenceLength = maxLength
        self.model = BertEncoder(weights: weights)
    }

    /// The all-MiniLM-L6-v2 directory in the local cache (`DataFetcher.locate(.minilm)`), or
    /// nil when it has not been fetched (`esans data fetch minilm`).
    public static var cachedMiniLMDirectory: URL? { DataFetcher.locate(.minilm) }

    /// all-MiniLM-L6-v2 loaded from the local cache.
    /// - Throws: ``TextEncoderError`` when the model has not been fetched or fails to load.
    public static func cachedMiniLM() throws -> SentenceEncoder {
        guard let dir = cachedMiniLMDirectory else {
            throw TextEncoderError(file: FetchTarget.minilm.rawValue,
                                problem: "not in the cache \(DataFetcher.cacheDirectory().path): run `esans data fetch minilm`")
        }
        return try SentenceEncoder(directory: dir)
    }

    /// The token ids the model sees for `text` (`[CLS]`, pieces, `[SEP]`; truncated).
    public func tokenIDs(_ text: String) -> [Int32] {
        tokenizer.encode(text, maxLength: maxSequenceLength)
    }

    /// Embeds `texts`: a `texts.count x dimension` matrix, row `i` the L2-normalised
    /// embedding of `texts[i]`.
    /// - Parameters:
    ///   - batchSize: texts per forward pass (all their tokens go through each dense layer
    ///     as one GEMM); 32–128 is a good range.
    ///   - progress: called after each batch with (texts done, total).
    public func encode(_ texts: [String], batchSize: Int = 32, progress: ((Int, Int) -> Void)? = nil) -> Matrix {
        let sequences = tokenizeAll(texts)
        return encode(tokenIDs: sequences, batchSize: batchSize, progress: progress)
    }

    /// Embeds pre-tokenised sequences (each as ``tokenIDs(_:)`` returns: with `[CLS]` and
    /// `[SEP]`, at most ``maxSequenceLength`` ids, all below the vocabulary size).
    public func encode(tokenIDs sequences: [[Int32]], batchSize: Int = 32,
                       progress: ((Int, Int) -> Void)? = nil) -> Matrix {
        let out = Matrix(rows: sequences.count, cols: dimension)
        if sequences.isEmpty { return out }
        let pool: WorkerPool? = WorkerPool.shared
        let step = max(1, batchSize)
        // Texts of similar length batch together, so batches have similar token counts.
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        var done = 0
        while done < order.count {
            let members = Array(order[done..<min(order.count, done + step)])
            let (hidden, offsets) = model.forward(members.map { sequences[$0] }, pool: pool)
            for (b, index) in members.enumerated() {
                Self.meanPoolNormalised(hidden, rows: offsets[b]..<offsets[b + 1], into: out.row(index))
            }
            done += members.count
            progress?(done, order.count)
        }
        return out
    }

    /// Tokenises `texts`, over the shared pool when there are many.
    func tokenizeAll(_ texts: [String]) -> [[Int32]] {
        let result = UnsafeMutableBufferPointer<[Int32]>.allocate(capacity: texts.count)
        result.initialize(repeating: [])
        defer { result.deinitialize(); result.deallocate() }
        let tokenizer = self.tokenizer, maxLength = maxSequenceLength
        let pool = WorkerPool.shared
        pool.parallelRanges(texts.count, chunksPerThread: 4, minChunk: 64) { range in
            for i in range { result[i] = tokenizer.encode(texts[i], maxLength: maxLength) }
        }
        return Array(result)
    }

    /// Writes the mean of `rows` of `hidden`, scaled to unit length, to `out`.
    static func meanPoolNormalised(_ hidden: Matrix, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let h = hidden.cols
        out.update(repeating: 0, count: h)
        for r in rows { VectorMath.axpy(1, hidden.row(r), out, h) }
        let mean = 1 / Float(max(1, rows.count))
        for c in 0..<h { out[c] *= mean }
        let norm = VectorMath.dot(out, out, h).squareRoot()
        // As torch.nn.functional.normalize: divide by max(norm, 1e-12).
        VectorMath.scale(out, h, by: 1 / max(norm, 1e-12))
    }
}
