import NumCore

/// Which loss a run trains with, and its knobs. Each knob belongs to the losses its comment
/// names; the others ignore it.
public struct LossConfig: Codable, Sendable, Equatable {
    /// The loss (BSL: the best on validation, see the README).
    public var kind: LossKind = .bsl
    /// Temperature tau of the logits (softmax, bsl, bpr); nil: the loss's default
    /// (``LossKind/defaultTemperature``).
    public var temperature: Float? = nil
    /// bsl: weight of the negatives' log-partition (the authors' tau2).
    public var bslWeight: Float = 1.22
    /// ccl: margin below which a negative costs nothing.
    public var cclMargin: Float = 0.9
    /// ccl: weight of the negatives' mean.
    public var cclWeight: Float = 150
    /// adaptau: epochs before the global temperature follows the model.
    public var adaptauWarmupEpochs: Int = 10

    /// The defaults.
    public init() {}

    /// A configuration of `kind` with the other knobs at their defaults.
    public init(kind: LossKind) { self.kind = kind }

    private enum CodingKeys: String, CodingKey { case kind, temperature, bslWeight, cclMargin, cclWeight, adaptauWarmupEpochs }

    /// Decodes a configuration; missing keys take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LossConfig()
        kind = try c.decodeIfPresent(LossKind.self, forKey: .kind) ?? d.kind
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature)
        bslWeight = try c.decodeIfPresent(Float.self, forKey: .bslWeight) ?? d.bslWeight
        cclMargin = try c.decodeIfPresent(Float.self, forKey: .cclMargin) ?? d.cclMargin
        cclWeight = try c.decodeIfPresent(Float.self, forKey: .cclWeight) ?? d.cclWeight
        adaptauWarmupEpochs = try c.decodeIfPresent(Int.self, forKey: .adaptauWarmupEpochs) ?? d.adaptauWarmupEpochs
    }

    /// Problems with the knobs, one message each (empty when valid).
    public func problems() -> [String] {
        var out: [String] = []
        if let t = temperature, !(t > 0 && t.isFinite) { out.append("loss temperature must be a positive number, got \(t)") }
        if !(bslWeight > 0 && bslWeight.isFinite) { out.append("bsl weight must be a positive number, got \(bslWeight)") }
        if !(cclMargin > -1 && cclMargin < 1) { out.append("ccl margin must lie in (-1, 1), got \(cclMargin)") }
        if !(cclWeight >= 0 && cclWeight.isFinite) { out.append("ccl weight must be a number >= 0, got \(cclWeight)") }
        if adaptauWarmupEpochs < 0 { out.append("adaptau warm-up must be >= 0 epochs, got \(adaptauWarmupEpochs)") }
        return out
    }

    /// The temperature in use: the given one or the loss's default.
    public var resolvedTemperature: Float { temperature ?? kind.defaultTemperature }
}
