import Foundation
import Runs
import NumCore
import Datasets
import Sampling
import Semantic

/// Builds the sampler a run configuration names.
public enum SamplerFactory {
    /// The sampler `config.sampler` for `dataset`. Notes about what was loaded (e.g. ignored
    /// semantic IDs) go to `notes`. Every sampler whose proposal is not uniform attaches logQ
    /// to its negatives exactly when `config.logQCorrection` is on.
    public static func make(_ config: TrainConfig, context: SamplingContext, dataset: Dataset, notes: inout [String]) throws -> NegativeSampler {
        let logQ = config.logQCorrection
        switch config.sampler {
        case .esans:
            guard let path = config.semanticIDs else {
                throw DataError(file: "<options>", line: nil, field: "semantic-ids", message: "the esans sampler needs --semantic-ids FILE (semantic_ids.tsv written by `esans cluster`)")
            }
            var (table, n) = try SemanticIDTable.read(URL(fileURLWithPath: path), items: dataset.items)
            notes += n
            if config.randomClusters { table = table.shuffled(seed: config.seed) }
            // Primary-centroid distances for the easy-cluster softmax, from msac.safetensors beside the IDs.
            let msac = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("msac.safetensors")
            var distances: Matrix? = nil
            if FileManager.default.fileExists(atPath: msac.path), !config.randomClusters {
                let file = try SafeTensorsFile.read(from: msac)
                let centroids = try file.matrix("primary_centroids")
                let d = Self.squaredDistances(centroids)
                // Every code needs its centroid, and the easy-cluster softmax finite distances.
                let kp = Int(table.primary.max() ?? -1) + 1
                guard centroids.rows >= kp else {
                    throw DataError(file: msac.lastPathComponent, line: nil, field: "primary_centroids",
                                    message: "\(centroids.rows) centroids, but \(URL(fileURLWithPath: path).lastPathComponent) has primary code \(kp - 1); "
                                        + "the files are not from one `esans cluster` output")
                }
                guard d.allFinite else {
                    throw DataError(file: msac.lastPathComponent, line: nil, field: "primary_centroids",
                                    message: "centroids that are not finite or too large for their squared distances; the file is damaged")
                }
                distances = d
                notes.append("esans: easy clusters weighted by primary-centroid distance from \(msac.lastPathComponent)")
                // Codes are matched by item id, so a fit on other data (another split seed, or
                // `esans cluster assign`'s IDs beside a copy of the fit) is usable: say so.
                if let fitted = file.metadata[MSACOutput.dataFingerprintKey], case let here = dataset.fingerprint, fitted != here {
                    notes.append("esans: \(msac.path) was fit on other data or another split (fingerprint \(fitted), this data \(here)); its codes are matched by item id")
                }
            } else {
                notes.append("esans: no msac.safetensors beside the semantic IDs (or random clusters): easy clusters drawn uniformly")
            }
            return ESANSSampler(context: context, primary: table.primary, secondary: table.secondary, centroidDistances: distances,
                                config: config.esans, sharedUniform: config.sharedNegatives, logQCorrection: logQ)
        case .uns: return UniformSampler(context: context, shared: config.sharedNegatives, perPositive: config.perPositiveNegatives)
        case .pns: return PopularitySampler(context: context, shared: config.sharedNegatives, perPositive: config.perPositiveNegatives, logQCorrection: logQ)
        case .inbatch:
            return InBatchSampler(context: context, shared: config.sharedNegatives, perPositive: config.perPositiveNegatives, logQCorrection: logQ)
        case .mns: return MixedSampler(context: context, shared: config.sharedNegatives, perPositive: config.perPositiveNegatives, logQCorrection: logQ)
        case .dns:
            let m = max(1, config.perPositiveNegatives)
            let dns = DynamicSampler(context: context, candidates: m * config.candidateFactor, perPositive: m)
            return config.sharedNegatives > 0 ? SharedPoolSampler(dns, context: context, shared: config.sharedNegatives) : dns
        case .mixgcf:
            let m = max(1, config.perPositiveNegatives)
            let mix = MixGCFSampler(context: context, candidates: m * config.candidateFactor, perPositive: m)
            return config.sharedNegatives > 0 ? SharedPoolSampler(mix, context: context, shared: config.sharedNegatives) : mix
        }
    }

    /// Squared Euclidean distances between the rows of `c` (`k x k`).
    static func squaredDistances(_ c: Matrix) -> Matrix {
        let k = c.rows
        let out = Matrix(rows: k, cols: k)
        for i in 0..<k {
            for j in 0..<k {
                var s: Float = 0
                for t in 0..<c.cols { let d = c[i, t] - c[j, t]; s += d * d }
                out[i, j] = s
            }
        }
        return out
    }
}
