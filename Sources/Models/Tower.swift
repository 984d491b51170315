import NumCore

/// One tower: input (ID embedding, history mean-pool and/or projected dense features, summed),
/// an optional MLP, and L2 normalisation. Forward keeps what backward needs, llm.c style:
/// call ``forward(_:dropout:idDropout:)`` then ``backward(_:l2:)`` with the gradient of the output.
///
/// With dense features, the ID embedding of some rows can be left out, so that their vector
/// comes from the features alone: always for the rows of ``idOmitted`` (items without training
/// interactions, whose ID rows were never trained), and at random during training with an ID
/// dropout (rows with features only). A row left out gets no gradient in its ID embedding.
public final class Tower: @unchecked Sendable {
    /// What a forward pass is computed for.
    public struct Input {
        /// Row IDs (user or item indices), one output row each.
        public var ids: [Int32]
        /// Per row, the history items to pool (user tower with history only).
        public var histories: [ArraySlice<Int32>]
        /// Creates an input.
        public init(ids: [Int32], histories: [ArraySlice<Int32>] = []) { self.ids = ids; self.histories = histories }
    }

    /// The tower's name (`user` or `item`), the prefix of its parameters' names.
    public let name: String
    /// This tower's configuration.
    public let config: TowerConfig
    /// Number of rows (IDs) the tower covers.
    public let vocabulary: Int
    /// Output dimension.
    public let dim: Int
    /// ID embedding, if configured.
    public let embedding: EmbeddingLayer?
    /// History pooling, if configured.
    public let historyPool: HistoryPoolLayer?
    /// Dense per-row features (not trained) and their projection, if configured.
    public private(set) var features: Matrix?
    /// Per row, whether it has features (nil: every row); ID dropout leaves out only such rows.
    public private(set) var featurePresent: [Bool]?
    /// The features a row has without interactions (those derived from interactions removed),
    /// used instead of ``features`` when its ID embedding is left out, so that a row dropped in
    /// training looks like an item without training interactions (nil: ``features``).
    public private(set) var coldFeatures: Matrix?
    /// Per row, whether its ID embedding is left out of every forward pass (nil: none); only
    /// for a tower with features.
    public private(set) var idOmitted: [Bool]?
    /// Projection of the dense features to `dim`.
    public let featureProjection: LinearLayer?
    /// MLP layers (ReLU between them).
    public let mlp: [LinearLayer]
    /// False when the history pool reads the item tower's table.
    private let ownsHistoryTable: Bool

    // Activations of the last forward pass.
    private var rows = 0
    private var input: Input = Input(ids: [])
    private var x0: Matrix            // summed input, n x dim
    private var hidden: [Matrix]      // outputs of each MLP layer
    private var featureRows: Matrix   // gathered features, n x featureDim
    private var preNorm: Matrix { mlp.isEmpty ? x0 : hidden[hidden.count - 1] }
    /// Output of the last forward pass (`rows x dim`, L2-normalised rows).
    public private(set) var output: Matrix
    private var norms: [Float] = []
    /// Batch rows of the last forward pass whose ID embedding was left out, ascending.
    private var idLeftOut: [Int] = []
    private var capacity = 0
    /// Dropout of the last forward pass: the factor (0 or 1/(1-p)) of each pre-norm element.
    private var dropoutMask: Matrix? = nil
    private var dropoutBuffer: Matrix? = nil

    /// Builds a tower named `name` (`user` or `item`) for `vocabulary` IDs.
    /// - Parameter sharedHistoryTable: the item embedding table to pool histories from
    ///   (when nil and history is on, the tower gets a table of its own of `historyVocabulary` rows).
    public init(name: String, config: TowerConfig, dim: Int, vocabulary: Int, historyVocabulary: Int,
                sharedHistoryTable: Parameter?, initStd: Float, rng: inout RandomSource) {
        self.name = name
        self.config = config
        self.dim = dim
        self.vocabulary = vocabulary
        precondition(config.idEmbedding || config.history || config.featureDim > 0, "\(name) tower has no input")
        embedding = config.idEmbedding ? EmbeddingLayer(name: name + ".embedding", vocabulary: vocabulary, dim: dim, std: initStd, rng: &rng) : nil
        if config.history {
            let table = sharedHistoryTable ?? EmbeddingLayer(name: name + ".history_embedding", vocabulary: historyVocabulary, dim: dim, std: initStd, rng: &rng).table
            historyPool = HistoryPoolLayer(table: table, maxLength: config.historyMaxLength)
            ownsHistoryTable = sharedHistoryTable == nil
        } else {
            historyPool = nil
            ownsHistoryTable = false
        }
        featureProjection = config.featureDim > 0 ? LinearLayer(name: name + ".features", inputs: config.featureDim, outputs: dim, rng: &rng) : nil
        var layers: [LinearLayer] = []
        var width = dim
        for (i, h) in (config.hidden + (config.hidden.isEmpty ? [] : [dim])).enumerated() {
            layers.append(LinearLayer(name: "\(name).mlp.\(i)", inputs: width, outputs: h, rng: &rng))
            width = h
        }
        mlp = layers
        x0 = Matrix(rows: 0, cols: dim)
        hidden = []
        featureRows = Matrix(rows: 0, cols: max(config.featureDim, 1))
        output = Matrix(rows: 0, cols: dim)
    }

    /// Every trainable parameter of this tower (a shared history table is not listed here).
    public var parameters: [Parameter] {
        var ps: [Parameter] = []
        if let embedding { ps.append(embedding.table) }
        if let historyPool, ownsHistoryTable { ps.append(historyPool.table) }
        if let featureProjection { ps += [featureProjection.weight, featureProjection.bias] }
        for l in mlp { ps += [l.weight, l.bias] }
        return ps
    }

    /// Sets the dense feature table (`vocabulary x featureDim`, not trained), which rows have
    /// features (nil: all), and the table of the rows' features without interactions (see
    /// ``coldFeatures``; nil: the same).
    public func setFeatures(_ f: Matrix, present: [Bool]? = nil, cold: Matrix? = nil) {
        precondition(f.cols == config.featureDim, "feature width \(f.cols) != configured \(config.featureDim)")
        precondition(f.rows == vocabulary, "\(f.rows) feature rows for \(vocabulary) \(name) rows")
        precondition(present.map { $0.count == vocabulary } ?? true, "one presence flag per row")
        precondition(cold.map { $0.rows == f.rows && $0.cols == f.cols } ?? true, "cold features of the table's shape")
        features = f
        featurePresent = present
        coldFeatures = cold
    }

    /// Sets the rows whose ID embedding is left out of every forward pass (nil: none).
    public func setIDOmitted(_ flags: [Bool]?) {
        precondition(flags.map { $0.count == vocabulary } ?? true, "one flag per row")
        precondition(flags == nil || config.featureDim > 0, "only a tower with features can leave out ID embeddings")
        idOmitted = flags
    }

    /// The batch rows of `ids` whose ID embedding is left out: the omitted rows, and with
    /// `idDropout` each other row with features with probability `rate` (drawn row by row
    /// from `seed`).
    private func leftOutRows(_ ids: [Int32], idDropout: Dropout?) -> [Int] {
        let rate = features == nil ? 0 : (idDropout?.rate ?? 0)
        guard idOmitted != nil || rate > 0 else { return [] }
        var rng = RandomSource(seed: idDropout?.seed ?? 0)
        var out: [Int] = []
        for (b, id) in ids.enumerated() {
            if idOmitted?[Int(id)] == true { out.append(b); continue }
            if rate > 0 && featurePresent?[Int(id)] != false && rng.unitFloat() < rate { out.append(b) }
        }
        return out
    }

    private func reserve(_ n: Int) {
        if n <= capacity { return }
        capacity = max(n, capacity * 2)
        x0 = Matrix(rows: capacity, cols: dim)
        hidden = mlp.map { Matrix(rows: capacity, cols: $0.outputs) }
        featureRows = Matrix(rows: capacity, cols: max(config.featureDim, 1))
        output = Matrix(rows: capacity, cols: dim)
    }

    /// Computes L2-normalised vectors for `input.ids` into ``output`` (first `ids.count` rows).
    /// With `dropout`, each element of the vector before normalisation is zeroed with
    /// probability `dropout.rate` (the rest scaled by 1/(1-rate)), the mask drawn from
    /// `dropout.seed` (training only; evaluation passes none). With `idDropout` (training only),
    /// each row with features leaves out its ID embedding with probability `idDropout.rate`.
    @discardableResult
    public func forward(_ input: Input, dropout: Dropout? = nil, idDropout: Dropout? = nil) -> Matrix {
        let n = input.ids.count
        reserve(n)
        rows = n
        self.input = input
        var started = false
        idLeftOut = []
        if let embedding {
            embedding.forward(ids: input.ids, out: x0)
            idLeftOut = leftOutRows(input.ids, idDropout: idDropout)
            for b in idLeftOut { x0.row(b).update(repeating: 0, count: dim) }
            started = true
        }
        if let historyPool {
            precondition(input.histories.count == n, "history tower needs one history per row")
            historyPool.forward(histories: input.histories, out: x0, accumulate: started)
            started = true
        }
        if let featureProjection, let features {
            for (b, id) in input.ids.enumerated() { featureRows.row(b).update(from: features.row(Int(id)), count: features.cols) }
            if let coldFeatures {
                for b in idLeftOut { featureRows.row(b).update(from: coldFeatures.row(Int(input.ids[b])), count: features.cols) }
            }
            let proj = Matrix(rows: n, cols: dim)
            featureProjection.forward(featureRows, rows: n, into: proj)
            if started { VectorMath.axpy(1, proj.data, x0.data, n * dim) } else { x0.data.update(from: proj.data, count: n * dim) }
        }
        var h = x0
        for (i, layer) in mlp.enumerated() {
            layer.forward(h, rows: n, into: hidden[i])
            if i < mlp.count - 1 { ReLULayer.forward(hidden[i], rows: n) }
            h = hidden[i]
        }
        // In place: the pre-norm matrix is not read by the backward pass (it reads the MLP's
        // inputs and the normalised output).
        if let dropout, dropout.rate > 0 {
            let mask = dropoutBuffer.flatMap { $0.rows >= n ? $0 : nil } ?? Matrix(uninitializedRows: capacity, cols: dim)
            dropoutBuffer = mask
            dropoutMask = mask
            DropoutLayer.forward(h, rows: n, rate: dropout.rate, seed: dropout.seed, mask: mask)
        } else {
            dropoutMask = nil
        }
        L2NormalizeLayer.forward(h, rows: n, into: output, norms: &norms)
        return output
    }

    /// Back-propagates `dOut` (gradient of the loss w.r.t. ``output``, first `rows` rows) into
    /// the parameters' gradients. `dOut` is used as scratch. `l2` adds the gradient of
    /// `l2 / 2 * ||e||^2` for every ID-embedding row the forward pass gathered (once per
    /// occurrence): an L2 penalty on the batch's embeddings.
    public func backward(_ dOut: Matrix, l2: Float = 0) {
        let n = rows
        let dPre = Matrix(uninitializedRows: n, cols: dim)   // every element written below
        L2NormalizeLayer.backward(y: output, dy: dOut, norms: norms, rows: n, into: dPre)
        if let mask = dropoutMask { DropoutLayer.backward(dPre, rows: n, mask: mask) }
        var dh = dPre
        for i in stride(from: mlp.count - 1, through: 0, by: -1) {
            let layer = mlp[i]
            let x = i == 0 ? x0 : hidden[i - 1]
            let dx = Matrix(rows: n, cols: layer.inputs)
            layer.backward(x: x, dy: dh, rows: n, dx: dx)
            if i > 0 { ReLULayer.backward(y: hidden[i - 1], dy: dx, rows: n) }
            dh = dx
        }
        if let embedding {
            if idLeftOut.isEmpty {
                embedding.backward(ids: input.ids, dOut: dh, l2: l2)
            } else {
                // Only the rows that used their ID embedding get a gradient in it: the others
                // are marked -1, which the embedding's backward skips (no copy of dh).
                var ids = input.ids
                for b in idLeftOut { ids[b] = -1 }
                embedding.backward(ids: ids, dOut: dh, l2: l2)
            }
        }
        if let historyPool { historyPool.backward(histories: input.histories, dOut: dh) }
        if let featureProjection, features != nil { featureProjection.backward(x: featureRows, dy: dh, rows: n, dx: nil) }
    }
}
