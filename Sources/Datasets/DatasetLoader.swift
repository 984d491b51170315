import Foundation
import NumCore

/// Loads a ``Dataset`` from disk in any ``DataFormat``.
///
/// ```swift
/// let gowalla = try DatasetLoader.load(path: "data/gowalla", options: LoadOptions())
/// let ml = try DatasetLoader.load(path: cache.path + "/ml-100k",
///                                 options: LoadOptions(split: .leaveOneOutByTime, validationFraction: 0.1))
/// ```
/// Malformed input throws a ``DataError`` naming the file, line and field.
public enum DatasetLoader {
    /// Reads the data set at `path` (a directory or a file, depending on the format).
    public static func load(path: String, options: LoadOptions = LoadOptions()) throws -> Dataset {
        guard let format = options.format ?? DataFormat.detect(path: path) else {
            if !FileManager.default.fileExists(atPath: path) {
                throw DataError(file: path, message: "nothing at \(path)")
            }
            throw DataError(file: path, message: "cannot tell the format of \(path); pass one of "
                                + DataFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard options.validationFraction >= 0 && options.validationFraction < 1 else {
            throw DataError(file: path, message: "validation fraction \(options.validationFraction) must be in [0, 1)")
        }
        var dataset: Dataset
        switch format {
        case .lightgcn:
            dataset = try LightGCNReader.load(directory: path, options: options)
        case .recbole:
            dataset = try RecBoleReader.load(path: path, options: options)
        case .csv, .tsv:
            dataset = try DelimitedReader.load(path: path, format: format, options: options)
        case .sharded:
            dataset = try ShardedReader.load(directory: path, options: options)
        }
        if options.validationFraction > 0 {
            dataset = dataset.carvingValidation(fraction: options.validationFraction, seed: options.seed)
        }
        // The reading's transient arrays are freed: give their pages back (a training run
        // allocates its model next, and counts on the memory it measured).
        HeapTrim.release()
        return dataset
    }
}
