import Datasets
import Foundation
import Models
import NumCore

/// Everything that defines a training run, saved as `RUNDIR/config.json` so that `--resume`
/// and `esans evaluate` can rebuild the same dataset and model.
public struct RunConfig: Codable, Sendable, Equatable {
    /// How to load the data.
    public struct DataSource: Codable, Sendable, Equatable {
        public var path: String
        /// The input format (nil: detected from the path).
        public var format: DataFormat?
        /// How to split train and test (nil: the format's default).
        public var split: Split?
        public var strict: Bool = false
        public var dedupe: Bool = false
        public var userColumn: String?
        public var itemColumn: String?
        public var timestampColumn: String?
        public var header: Bool = true
        public var delimiter: String?
        /// The rating column (name or 0-based index) for ``minRating`` (nil: the one named `rating`).
        public var ratingColumn: String?
        /// Keep only interactions rated at least this (nil: all). Absent from configs written
        /// before the filter existed, which decode as nil.
        public var minRating: Double?
        /// Drop users and items with fewer than this many interactions until none is left,
        /// before the split (nil: no k-core).
        public var kCore: Int?
        /// Hold this share of the items out of training entirely, all their interactions in
        /// test, for the cold-item evaluation (nil: none; see ``Datasets/ColdItemHoldout``).
        /// With a validation split the same share of the other items becomes cold validation items.
        public var coldItems: Double?
        /// A data source read from `path`.
        public init(path: String) { self.path = path }

        /// The loader options these settings stand for; the split seed is the run seed.
        public func loadOptions(seed: UInt64) throws -> LoadOptions {
            var o = LoadOptions()
            o.format = format
            o.split = split
            o.strict = strict
            o.dedupe = dedupe
            o.seed = seed
            o.header = header
            o.delimiter = delimiter
            o.columns = ColumnMapping(user: userColumn.map(ColumnRef.init(parsing:)), item: itemColumn.map(ColumnRef.init(parsing:)),
                                      timestamp: timestampColumn.map(ColumnRef.init(parsing:)),
                                      rating: ratingColumn.map(ColumnRef.init(parsing:)))
            o.minRating = minRating
            o.kCore = kCore ?? 0
            o.coldItems = coldItems ?? 0
            return o
        }
    }

    public var data: DataSource
    public var model: ModelConfig
    public var training: TrainConfig
    public var optimizer: AdamOptimizer.Config
    /// Side features of the towers (`--item-features`, `--user-features`) and their sources'
    /// checksums; empty for a run on IDs alone (and for configs written before they existed).
    public var features = SideFeatureSettings()

    private enum CodingKeys: String, CodingKey { case data, model, training, optimizer, features }

    /// Decodes a configuration; `features` is absent from files of runs without side features
    /// written before they existed.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        data = try c.decode(DataSource.self, forKey: .data)
        model = try c.decode(ModelConfig.self, forKey: .model)
        training = try c.decode(TrainConfig.self, forKey: .training)
        optimizer = try c.decode(AdamOptimizer.Config.self, forKey: .optimizer)
        features = try c.decodeIfPresent(SideFeatureSettings.self, forKey: .features) ?? SideFeatureSettings()
    }

    /// Whether `other` describes the same run, with file paths compared after resolving them
    /// against the current directory (`../data/x` from one directory and `/abs/data/x` are
    /// the same input).
    public func sameRun(as other: RunConfig) -> Bool {
        resolvingPaths() == other.resolvingPaths()
    }

    /// The settings in which `other` differs from this configuration, as JSON paths with both
    /// values, this one's first (`training.epochs: 50 here, 80 there`, with the default
    /// `labels`); empty when they describe the same run.
    public func differences(from other: RunConfig, labels: (String, String) = ("here", "there")) -> [String] {
        func flatten(_ value: Any, _ path: String, _ out: inout [String: String]) {
            if let d = value as? [String: Any] {
                for (k, v) in d { flatten(v, path.isEmpty ? k : path + "." + k, &out) }
            } else if let list = value as? [Any], let json = try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]) {
                out[path] = String(decoding: json, as: UTF8.self)
            } else {
                out[path] = "\(value)"
            }
        }
        func settings(_ c: RunConfig) -> [String: String] {
            var out: [String: String] = [:]
            if let data = try? JSONEncoder().encode(c.resolvingPaths()), let obj = try? JSONSerialization.jsonObject(with: data) {
                flatten(obj, "", &out)
            }
            return out
        }
        let a = settings(self), b = settings(other)
        return Set(a.keys).union(b.keys).sorted().compactMap { k in
            a[k] == b[k] ? nil : "\(k): \(a[k] ?? "(none)") \(labels.0), \(b[k] ?? "(none)") \(labels.1)"
        }
    }

    /// A copy whose data path and semantic-ID path are absolute and standardised.
    public func resolvingPaths() -> RunConfig {
        var c = self
        c.data.path = Self.absolute(data.path)
        c.training.semanticIDs = training.semanticIDs.map(Self.absolute)
        c.features.item?.path = Self.absolute(features.item?.path ?? "")
        c.features.user?.path = Self.absolute(features.user?.path ?? "")
        return c
    }

    private static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// A run over `data` with the given settings.
    public init(data: DataSource, model: ModelConfig, training: TrainConfig, optimizer: AdamOptimizer.Config) {
        self.data = data
        self.model = model
        self.training = training
        self.optimizer = optimizer
    }

    /// A run over `data` with the recipe's settings: ``defaultModel``, the defaults of
    /// ``TrainConfig`` and ``defaultOptimizer`` (what `esans train` does without options).
    public init(data: DataSource) {
        self.init(data: data, model: Self.defaultModel, training: TrainConfig(), optimizer: Self.defaultOptimizer)
    }

    /// The model of the recipe (chosen on validation splits, see the README): ID-only towers of
    /// width 160. On Gowalla's validation split, width 128 beat width 64 trained for twice the
    /// epochs (on MovieLens-100K and -1M it was not worse), and width 160 for 50 epochs beat
    /// width 128 for 60 and width 192 for 40 at about the same training time.
    public static var defaultModel: ModelConfig {
        var m = ModelConfig()
        m.dim = 160
        return m
    }

    /// The optimiser of the recipe (chosen on validation splits, see the README): Adam at a
    /// peak learning rate of 0.04 and decoupled weight decay 0.2 (0.3 at width 64; at width 160
    /// 0.2 edged out 0.3 and 0.5, and lr 0.03 and 0.05 did not beat 0.04).
    public static var defaultOptimizer: AdamOptimizer.Config {
        var o = AdamOptimizer.Config()
        o.learningRate = 0.04
        o.weightDecay = 0.2
        return o
    }

    /// The pseudo-path of the generated dataset (`esans demo` offline, tests).
    public static let syntheticPath = "synthetic"

    /// Loads the dataset (or generates it for the path `synthetic`), carving validation out
    /// of training when configured.
    public func loadDataset() throws -> Dataset {
        try Self.loadDataset(data, seed: training.seed, validationFraction: training.validationFraction)
    }

    /// Loads `data` (or generates it for the path `synthetic`) with `seed` for any random split,
    /// and carves a `validationFraction` of each user's training items into validation with the
    /// same seed: the data of a training run with these settings, for runs that are not
    /// training runs (the baselines).
    public static func loadDataset(_ data: DataSource, seed: UInt64, validationFraction: Double) throws -> Dataset {
        var ds: Dataset
        if data.path == syntheticPath {
            ds = SyntheticData.make(users: 1500, items: 1200, clusters: 24, interactionsPerUser: 30, seed: seed)
        } else {
            ds = try DatasetLoader.load(path: data.path, options: data.loadOptions(seed: seed))
        }
        if validationFraction > 0 {
            ds = ds.carvingValidation(fraction: validationFraction, seed: seed)
            if let cold = data.coldItems, cold > 0 { ds = ds.carvingColdValidationItems(fraction: cold, seed: seed) }
        }
        return ds
    }
}

extension RunConfig {
    /// Reads a `config.json`, with errors that name the file, the setting at fault (its path
    /// in the JSON, e.g. `training.loss.kind`) and the problem (an unknown name lists the
    /// accepted ones).
    public static func read(from url: URL) throws -> RunConfig {
        let data = try FileData.read(url)
        do { return try JSONDecoder().decode(RunConfig.self, from: data) } catch let error as DecodingError {
            throw ConfigFileError(url: url, error: error)
        }
    }
}

/// A `config.json` that does not decode: which file, which setting, what is wrong.
public struct ConfigFileError: Error, CustomStringConvertible {
    /// The file.
    public let url: URL
    /// The setting's path in the JSON (`training.sampler`), empty for the whole file.
    public let setting: String
    /// What is wrong.
    public let problem: String

    /// An error about `setting` (a JSON path, empty for the whole file) of the file at `url`.
    init(url: URL, setting: String, problem: String) {
        self.url = url
        self.setting = setting
        self.problem = problem
    }

    init(url: URL, error: DecodingError) {
        self.url = url
        func path(_ keys: [CodingKey]) -> String { keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case .dataCorrupted(let c):
            setting = path(c.codingPath); problem = c.debugDescription
        case .keyNotFound(let key, let c):
            setting = path(c.codingPath + [key]); problem = "is missing"
        case .typeMismatch(let type, let c):
            setting = path(c.codingPath); problem = "is not a \(type) (\(c.debugDescription))"
        case .valueNotFound(let type, let c):
            setting = path(c.codingPath); problem = "has no \(type) value"
        @unknown default:
            setting = ""; problem = "\(error)"
        }
    }

    public var description: String {
        setting.isEmpty ? "\(url.path): \(problem)" : "\(url.path): \(setting): \(problem)"
    }
}
