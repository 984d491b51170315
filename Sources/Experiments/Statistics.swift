/// Summary statistics of one metric over the seeds of a variant.
public struct MetricStats: Sendable, Equatable {
    /// Arithmetic mean of `runs`.
    public var mean: Double
    /// Sample standard deviation of `runs` (divisor n - 1; 0 for a single run).
    public var sd: Double
    /// The per-seed values, in seed order.
    public var runs: [Double]

    /// `mean ± sd` with four decimals, or the mean alone for a single run (whose sd says
    /// nothing).
    public var text: String {
        runs.count > 1 ? String(format: "%.4f ± %.4f", mean, sd) : String(format: "%.4f", mean)
    }

    /// The statistics of `values` (mean and sd are 0 for no values).
    public init(_ values: [Double]) {
        runs = values
        mean = Statistics.mean(values)
        sd = Statistics.sampleSD(values)
    }
}

/// The small amount of arithmetic the harness needs, in one place so the tests can pin it.
public enum Statistics {
    /// Arithmetic mean; 0 for an empty list.
    public static func mean(_ x: [Double]) -> Double {
        x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count)
    }

    /// Sample standard deviation (Bessel-corrected, divisor n - 1); 0 for fewer than two values.
    public static func sampleSD(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        let ss = x.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return (ss / Double(x.count - 1)).squareRoot()
    }

    /// Median (the mean of the two middle values for an even count); 0 for an empty list.
    public static func median(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return 0 }
        let s = x.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// Relative change of `value` against `baseline`, `(value - baseline) / baseline`;
    /// nil when the baseline is 0 (no meaningful ratio).
    public static func relativeChange(_ value: Double, baseline: Double) -> Double? {
        baseline == 0 ? nil : (value - baseline) / baseline
    }
}
