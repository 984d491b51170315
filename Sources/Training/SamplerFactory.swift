import Foundation
import Runs
import NumCore
import Datasets
import Sampling
import Codebooks

/// Builds the sampler a run configuration names.
public enum SamplerFactory {
    /// The sampler `config.sampler` for `dataset`. Notes about what was loaded (e.g. ignored
    /// semantic IDs) go to `notes`. Every sampler whose proposal is not uniform attaches logQ
    /// to its negatives exactly when `config.logQCorrection` is on. `dataFingerprint`: the
    /// whole data's fingerprint when `dataset` is an MPI rank's part of it (nil: `dataset`'s).
    public static func make(_ config: TrainConfig, context: SamplingContext, dataset: Dataset, dataFingerprint: String? = nil,
                            notes: inout [String]) throws -> NegativeSampler {
        let logQ = config.logQCorrection
        switch config.sampler {
        case .esans:
            guard let path = config.semanticIDs else {
                throw DataError(file: "<options>", line: nil, field: "semantic-ids", message: "the esans sampler needs --semantic-ids FILE (semantic_ids.tsv written by `esans cluster`)")
            }
            let url = URL(fileURLWithPath: path)
            let artifact = try MSACArtifact(ids: url)
            var (ids, unmatched) = try artifact.codes(for: dataset.items)
            if unmatched > 0 {
                notes.append("semantic IDs: \(unmatched) items of \(url.lastPathComponent) have no training interactions here (e.g. test-only or catalogue items), so they are never drawn")
            }
            if config.randomClusters { ids = ids.shuffled(seed: config.seed) }
            // Primary-centroid distances for the easy-cluster softmax, from msac.safetensors beside the IDs.
            var distances: Matrix? = nil
            if let model = artifact.model, !config.randomClusters {
                distances = try artifact.primaryCentroidDistances()
                notes.append("esans: easy clusters weighted by primary-centroid distance from \(model.url.lastPathComponent)")
                // Codes are matched by item id, so a fit on other data (another split seed, or
                // `esans cluster assign`'s IDs beside a copy of the fit) is usable: say so.
                if let fitted = model.dataFingerprint, case let here = dataFingerprint ?? dataset.fingerprint, fitted != here {
                    notes.append("esans: \(model.url.path) was fit on other data or another split (fingerprint \(fitted), this data \(here)); its codes are matched by item id")
                }
            } else {
                notes.append("esans: no msac.safetensors beside the semantic IDs (or random clusters): easy clusters drawn uniformly")
            }
            return ESANSSampler(context: context, ids: ids, centroidDistances: distances,
                                config: config.esans, sharedUniform: config.sharedNegatives, logQCorrection: logQ,
                                logitScale: 1 / config.loss.resolvedTemperature)
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
}
