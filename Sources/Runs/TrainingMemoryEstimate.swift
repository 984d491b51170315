import Foundation
import Datasets

/// The peak resident memory `esans train` needs, estimated from the data's sizes and the run's
/// settings before anything large is allocated (`esans data info` prints it; a run refuses to
/// start when it exceeds the machine's memory).
///
/// A run goes through phases, and the estimate is the largest of them (sizes in bytes; P is
/// one embedding table set, `(users + items) x dim` floats):
/// - **load**: the process, plus the reader's arrays while a file is parsed;
/// - **training**: the loaded data, one model with its gradients and Adam moments (4 P), the
///   batch's buffers (logits `batch x (1 + negatives)`, tower activations), and at the end of
///   an epoch the evaluation's vectors (P) beside a checkpoint being written (the weights and
///   both moments are copied twice: 6 P);
/// - **refit load** and **refit** (with a validation split and the refit on, the default): the
///   data is read again and a second model trained while the first is kept, so two of each,
///   plus the refit's checkpoint.
///
/// The costs per interaction and per id of the loaded data, and of the reader (per format:
/// RecBole's keeps every field as a string token while it parses), are measured constants;
/// glibc's freed heap is handed back after loading (``NumCore/HeapTrim``). The estimate
/// covers the ID towers and the samplers' batch buffers; an MSAC fit for ESANS (`esans
/// cluster`, or the default fit of `train --sampler esans`) comes on top. Checked against the
/// peak RSS of real runs in README ("Memory").
public struct TrainingMemoryEstimate: Sendable {
    /// What the data holds.
    public struct Sizes: Sendable, Equatable {
        /// Users and items (the rows of the embedding tables).
        public var users: Int, items: Int
        /// Training interactions, validation included.
        public var trainInteractions: Int
        /// Test interactions.
        public var testInteractions: Int
        /// The input format (its reader's costs differ); nil for generated data.
        public var format: DataFormat?
        /// Sizes of a data set.
        public init(users: Int, items: Int, trainInteractions: Int, testInteractions: Int, format: DataFormat?) {
            self.users = users; self.items = items
            self.trainInteractions = trainInteractions; self.testInteractions = testInteractions
            self.format = format
        }
    }

    /// The settings that change the footprint.
    public struct Settings: Sendable, Equatable {
        /// Embedding dimension.
        public var dim: Int
        /// Training pairs per step.
        public var batchSize: Int
        /// Negatives shared by a batch.
        public var sharedNegatives: Int
        /// Negatives (real or virtual) of each positive, and the candidates scored to choose them.
        public var perPositiveNegatives: Int, scoredCandidates: Int
        /// Worker threads.
        public var threads: Int
        /// Whether a second model is trained (a validation split with the refit on).
        public var refit: Bool
        /// Weights of the towers' MLPs and feature projections (both towers).
        public var denseParameters: Int

        /// Settings given one by one (the rest as in the defaults: no MLP, no scored candidates).
        public init(dim: Int, batchSize: Int, sharedNegatives: Int, perPositiveNegatives: Int = 0, scoredCandidates: Int = 0,
                    threads: Int, refit: Bool, denseParameters: Int = 0) {
            self.dim = dim; self.batchSize = batchSize; self.sharedNegatives = sharedNegatives
            self.perPositiveNegatives = perPositiveNegatives; self.scoredCandidates = scoredCandidates
            self.threads = threads; self.refit = refit; self.denseParameters = denseParameters
        }

        /// The settings of a run; `threads` 0 means every core, as for training.
        public init(_ c: RunConfig) {
            let t = c.training
            var perPositive = t.perPositiveNegatives, scored = 0
            switch t.sampler {
            case .esans:
                perPositive += t.esans.hard + t.esans.easy + t.esans.virtualPerPositive
                scored = t.esans.hard * t.esans.hardCandidates + t.esans.easy * t.esans.easyCandidates
            case .dns, .mixgcf:
                scored = max(1, t.perPositiveNegatives) * t.candidateFactor
            default:
                break
            }
            var dense = 0
            for tower in [c.model.user, c.model.item] {
                var width = tower.featureDim > 0 ? tower.featureDim : c.model.dim
                if tower.featureDim > 0 { dense += tower.featureDim * c.model.dim; width = c.model.dim }
                for h in tower.hidden + (tower.hidden.isEmpty ? [] : [c.model.dim]) { dense += width * h + h; width = h }
            }
            self.init(dim: c.model.dim, batchSize: t.batchSize, sharedNegatives: t.sharedNegatives, perPositiveNegatives: perPositive,
                      scoredCandidates: scored, threads: t.threads > 0 ? t.threads : ProcessInfo.processInfo.activeProcessorCount,
                      refit: t.validationFraction > 0 && t.refit, denseParameters: dense)
        }
    }

    /// One term of a phase.
    public struct Part: Sendable, Equatable {
        /// What it is, e.g. `model (weights, gradients, Adam moments) x 2`.
        public var name: String
        /// Bytes.
        public var bytes: Double
    }

    /// The data's sizes.
    public let sizes: Sizes
    /// The settings.
    public let settings: Settings
    /// Estimated peak resident bytes (a `Double`: absurd sizes must not overflow).
    public let peakBytes: Double
    /// The phase at the peak: `load`, `training`, `refit load` or `refit`.
    public let peakPhase: String
    /// The terms of the peak phase, largest first; they add up to ``peakBytes``.
    public let parts: [Part]

    // Measured constants (bytes), fitted to the peak RSS of runs on MovieLens-100K and -1M,
    // Gowalla and a generated catalogue of a million items (README, "Memory").
    /// The process before any data: the Swift runtime, Foundation and the binary.
    static let processBaseline = 22.0 * 1_048_576
    /// The loaded data per interaction (its CSR lists, and the trainer's pairs and shuffle
    /// order) and per user or item id (the id maps' strings and dictionaries).
    static let residentPerInteraction = 28.0, residentPerID = 60.0

    /// The reader's peak per interaction and per id while it parses a file: RecBole's keeps
    /// every field of a row as a string token, the CSV/TSV reader its columns' spans, the
    /// LightGCN reader integers only, the sharded reader its mapped arrays.
    static func readingBytes(_ format: DataFormat?) -> (perInteraction: Double, perID: Double) {
        switch format {
        case .recbole: return (150, 150)
        case .csv, .tsv: return (60, 150)
        case .lightgcn, nil: return (30, 150)
        // Mapped arrays (13 bytes an interaction, file pages) and the lists built from them.
        case .sharded: return (20, 150)
        }
    }

    /// The estimate for `sizes` trained with `settings`.
    public init(sizes: Sizes, settings: Settings) {
        self.sizes = sizes
        self.settings = settings
        let U = Double(sizes.users), I = Double(sizes.items)
        let n = Double(sizes.trainInteractions), t = Double(sizes.testInteractions)
        let d = Double(settings.dim), B = Double(settings.batchSize)
        let N = Double(settings.sharedNegatives), M = Double(settings.perPositiveNegatives)
        let T = Double(max(1, settings.threads))
        let read = Self.readingBytes(sizes.format)

        // One table set, and the dense layers' weights.
        let P = (U + I) * d * 4 + Double(settings.denseParameters) * 4
        // Weights, gradients, two moments, and the lazy update's per-row bookkeeping.
        let model = 4 * P + 5 * (U + I)
        // Weights and both moments into per-tensor buffers, then into the file's bytes.
        let checkpoint = 6 * P
        let data = Self.residentPerInteraction * (n + t) + Self.residentPerID * (U + I)
        let reading = read.perInteraction * (n + t) + read.perID * (U + I)
        // Logits and their gradients, the item tower's rows (positives, shared and per-positive
        // negatives, scored candidates) through forward and backward, the user rows.
        let itemRows = B + N + B * M + B * Double(settings.scoredCandidates)
        let batch = 4 * B * (1 + N + M) + 4 * d * (5 * itemRows + 6 * B + N) + 12 * I
        // Every user's and item's vector, per-user metrics, and each thread's score block.
        let evaluation = P + 32 * U + T * 4 * 256 * (1024 + d + 2 * 200)

        let base = Self.processBaseline
        var phases: [(String, [Part])] = [
            ("load", [Part(name: "process", bytes: base), Part(name: "reading the data", bytes: reading)]),
            ("training", [Part(name: "process", bytes: base), Part(name: "data", bytes: data),
                          Part(name: "model (weights, gradients, Adam moments)", bytes: model),
                          Part(name: "batch buffers", bytes: batch), Part(name: "evaluation", bytes: evaluation),
                          Part(name: "checkpoint write", bytes: checkpoint)]),
        ]
        if settings.refit {
            phases.append(("refit load", [Part(name: "process", bytes: base), Part(name: "data", bytes: data),
                                          Part(name: "model (weights, gradients, Adam moments)", bytes: model),
                                          Part(name: "batch buffers", bytes: batch), Part(name: "reading the data again", bytes: reading)]))
            phases.append(("refit", [Part(name: "process", bytes: base), Part(name: "data x 2", bytes: 2 * data),
                                     Part(name: "model (weights, gradients, Adam moments) x 2", bytes: 2 * model),
                                     Part(name: "batch buffers x 2", bytes: 2 * batch), Part(name: "checkpoint write", bytes: checkpoint)]))
        }
        let totals = phases.map { ($0.0, $0.1.reduce(0) { $0 + $1.bytes }) }
        let top = totals.indices.max { totals[$0].1 < totals[$1].1 }!
        peakPhase = phases[top].0
        parts = phases[top].1.sorted { $0.bytes > $1.bytes }
        peakBytes = totals[top].1
    }

    /// The estimate for `sizes` trained with the settings of `config`.
    public init(sizes: Sizes, config: RunConfig) {
        self.init(sizes: sizes, settings: Settings(config))
    }

    /// The sizes of `dataset`, read from `source` (its format decides the reader's costs).
    public static func sizes(of dataset: Dataset, source: RunConfig.DataSource) -> Sizes {
        let format = source.path == RunConfig.syntheticPath ? nil : source.format ?? DataFormat.detect(path: source.path)
        return Sizes(users: dataset.numUsers, items: dataset.numItems,
                     trainInteractions: dataset.train.count + (dataset.validation?.count ?? 0),
                     testInteractions: dataset.test.count, format: format)
    }

    /// The machine's physical memory in bytes.
    public static var physicalMemory: UInt64 { ProcessInfo.processInfo.physicalMemory }

    /// `dim 64, batch 1024, 1024 shared negatives, 2 threads, refit`.
    public var settingsSummary: String {
        var s = "dim \(settings.dim), batch \(settings.batchSize), \(settings.sharedNegatives) shared negatives"
        if settings.perPositiveNegatives > 0 { s += ", \(settings.perPositiveNegatives) per positive" }
        s += ", \(settings.threads) thread\(settings.threads == 1 ? "" : "s")"
        s += settings.refit ? ", refit" : ", no refit"
        return s
    }

    /// `12,345 MB` (mebibytes, rounded up); very large values in scientific notation.
    public static func megabytes(_ bytes: Double) -> String {
        let mb = (bytes / 1_048_576).rounded(.up)
        return mb < 1e15 ? DatasetInfo.grouped(Int(mb)) + " MB" : String(format: "%.2g MB", mb)
    }

    /// The largest terms of the peak, as `model ... 290 MB, checkpoint write 109 MB, ...`.
    public var breakdown: String {
        parts.map { "\($0.name) \(Self.megabytes($0.bytes))" }.joined(separator: ", ")
    }

    /// Why a run with this estimate cannot start on a machine with `limit` bytes, or nil when
    /// it fits: the sizes, the settings, the estimate, its largest terms and what to change.
    public func refusal(limit: UInt64) -> String? {
        guard peakBytes > Double(limit) else { return nil }
        return "training \(DatasetInfo.grouped(sizes.users)) users x \(DatasetInfo.grouped(sizes.items)) items "
            + "(\(DatasetInfo.grouped(sizes.trainInteractions)) training interactions; \(settingsSummary)) needs about "
            + "\(Self.megabytes(peakBytes)) at its peak (\(peakPhase): \(breakdown)), more than this machine's "
            + "\(Self.megabytes(Double(limit))); lower --dim, --batch-size or --negatives, train without the refit (--no-refit), "
            + "or give --ignore-memory-limit to start anyway"
    }
}
