import NumCore

/// How ESANS chooses the coefficient lambda of its hard interpolation
/// v = lambda * e_pos + (1 - lambda) * e_hard (`--lambda-rule`).
public enum LambdaRule: String, NamedSetting {
    /// One lambda for every pair (`--lambda`), as in the paper.
    case fixed
    /// Per pair, from the current model: the lambda that puts the mix's score `--lambda-margin`
    /// below the positive's, lambda = 1 - margin / (s_pos - s_hard), clamped to [0, 0.5]
    /// (0 when the hard negative already scores within the margin of the positive). Every
    /// virtual negative is then semi-hard: close to the positive, never above it.
    case semihard

    public static var settingName: String { "lambda rule" }

    /// Lambda of the `semihard` rule for a pair with scores `positive` and `hard` (cosines of the
    /// current towers) and a target `margin`; the lower and upper clamps are 0 and 0.5, the
    /// upper end of the paper's range.
    @inline(__always)
    public static func semihardLambda(positive: Float, hard: Float, margin: Float) -> Float {
        let gap = positive - hard
        guard gap > margin else { return 0 }
        return min(0.5, 1 - margin / gap)
    }
}
