import Sampling

/// Builds the sampler a run configuration names.
public enum SamplerFactory {
    /// Sampler names this build knows.
    public static let names = ["uns", "pns", "inbatch", "mns", "dns", "mixgcf"]

    /// The sampler called `config.sampler`, or nil if there is none by that name.
    public static func make(_ config: TrainConfig, context: SamplingContext) -> NegativeSampler? {
        switch config.sampler {
        case "uns": return UniformSampler(context: context, shared: config.sharedNegatives, perPositive: config.perPositiveNegatives)
        case "pns": return PopularitySampler(context: context, shared: config.sharedNegatives, perPositive: config.perPositiveNegatives)
        case "inbatch": return InBatchSampler(context: context, logQCorrection: config.logQCorrection)
        case "mns": return MixedSampler(context: context, uniformCount: config.sharedNegatives, perPositive: config.perPositiveNegatives)
        case "dns":
            let m = max(1, config.perPositiveNegatives)
            return DynamicSampler(context: context, candidates: m * config.candidateFactor, perPositive: m)
        case "mixgcf":
            let m = max(1, config.perPositiveNegatives)
            return MixGCFSampler(context: context, candidates: m * config.candidateFactor, perPositive: m)
        default: return nil
        }
    }
}
