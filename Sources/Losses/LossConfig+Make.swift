import Runs

extension LossConfig {
    /// A new loss object of this configuration (losses with state start fresh).
    public func make() -> any Loss {
        let temperature = resolvedTemperature
        switch kind {
        case .softmax: return SoftmaxLoss(temperature: temperature)
        case .bsl: return BSLLoss(temperature: temperature, weight: bslWeight)
        case .ccl: return CCLLoss(margin: cclMargin, weight: cclWeight)
        case .adaptau: return AdapTauLoss(warmupEpochs: adaptauWarmupEpochs)
        case .bpr: return BPRLoss(temperature: temperature)
        }
    }
}
