import Sampling

/// Builds the sampler a run configuration names.
public enum SamplerFactory {
    /// Sampler names this build knows.
    public static let names = ["uns", "inbatch"]

    /// The sampler called `config.sampler`, or nil if there is none by that name.
    public static func make(_ config: TrainConfig, context: SamplingContext) -> NegativeSampler? {
        switch config.sampler {
        case "uns": return UniformSampler(context: context, shared: config.sharedNegatives, perPositive: config.perPositiveNegatives)
        case "inbatch": return InBatchSampler(context: context, logQCorrection: config.logQCorrection)
        default: return nil
        }
    }
}
