import Datasets
import Foundation
import Models

/// Everything that defines a training run, saved as `RUNDIR/config.json` so that `--resume`
/// and `esans evaluate` can rebuild the same dataset and model.
public struct RunConfig: Codable, Sendable, Equatable {
    /// How to load the data.
    public struct DataSource: Codable, Sendable, Equatable {
        public var path: String
        public var format: String?
        public var split: String?
        public var strict: Bool = false
        public var dedupe: Bool = false
        public var userColumn: String?
        public var itemColumn: String?
        public var timestampColumn: String?
        public var header: Bool = true
        public var delimiter: String?
        /// A data source read from `path`.
        public init(path: String) { self.path = path }

        /// The loader options these settings stand for; the split seed is the run seed.
        public func loadOptions(seed: UInt64) throws -> LoadOptions {
            var o = LoadOptions()
            if let format {
                guard let f = DataFormat(rawValue: format) else {
                    throw DataError(file: path, line: nil, field: "format", message: "unknown format '\(format)' (expected one of \(DataFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                o.format = f
            }
            if let split {
                guard let s = Split(parsing: split) else {
                    throw DataError(file: path, line: nil, field: "split", message: "unknown split '\(split)' (expected given, loo, time:0.8 or random:0.8)")
                }
                o.split = s
            }
            o.strict = strict
            o.dedupe = dedupe
            o.seed = seed
            o.header = header
            o.delimiter = delimiter
            o.columns = ColumnMapping(user: userColumn.map(ColumnRef.init(parsing:)), item: itemColumn.map(ColumnRef.init(parsing:)),
                                      timestamp: timestampColumn.map(ColumnRef.init(parsing:)))
            return o
        }
    }

    public var data: DataSource
    public var model: ModelConfig
    public var training: TrainConfig
    public var optimizer: AdamOptimizer.Config

    /// Whether `other` describes the same run, with file paths compared after resolving them
    /// against the current directory (`../data/x` from one directory and `/abs/data/x` are
    /// the same input).
    public func sameRun(as other: RunConfig) -> Bool {
        resolvingPaths() == other.resolvingPaths()
    }

    /// A copy whose data path and semantic-ID path are absolute and standardised.
    public func resolvingPaths() -> RunConfig {
        var c = self
        c.data.path = Self.absolute(data.path)
        c.training.semanticIDs = training.semanticIDs.map(Self.absolute)
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

    /// The pseudo-path of the generated dataset (`esans demo` offline, tests).
    public static let syntheticPath = "synthetic"

    /// Loads the dataset (or generates it for the path `synthetic`), carving validation out
    /// of training when configured.
    public func loadDataset() throws -> Dataset {
        var ds: Dataset
        if data.path == Self.syntheticPath {
            ds = SyntheticData.make(users: 1500, items: 1200, clusters: 24, interactionsPerUser: 30, seed: training.seed)
        } else {
            ds = try DatasetLoader.load(path: data.path, options: data.loadOptions(seed: training.seed))
        }
        if training.validationFraction > 0 {
            ds = ds.carvingValidation(fraction: training.validationFraction, seed: training.seed)
        }
        return ds
    }
}
