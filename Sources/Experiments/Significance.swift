import Foundation
import Runs

extension ExperimentSummary {
    /// Adds to every variant but the baseline a paired t-test against the baseline for each
    /// reported metric, over the test users: a user's value is the mean over seeds of its
    /// per-user metric (`per_user_test.safetensors` of each run). Variants with a run missing
    /// that file get no test. Tests are made on the test split: they qualify a reported
    /// difference and must not be used to choose settings.
    public mutating func addSignificance(perUser: [RunKey: PerUserMetrics]) {
        guard let b = baseline, let base = variants.first(where: { $0.name == b }) else { return }
        func seedMeans(_ v: VariantSummary, _ metric: String) -> [Double]? {
            var sum: [Double]? = nil
            for seed in v.seeds {
                guard let x = perUser[RunKey(variant: v.name, seed: seed)]?.values[metric] else { return nil }
                if sum == nil { sum = [Double](repeating: 0, count: x.count) }
                guard x.count == sum!.count else { return nil }
                for i in x.indices { sum![i] += Double(x[i]) }
            }
            return sum.map { $0.map { $0 / Double(v.seeds.count) } }
        }
        for i in variants.indices where variants[i].name != b {
            for metric in metricNames {
                guard let a = seedMeans(variants[i], metric), let r = seedMeans(base, metric), a.count == r.count,
                      let test = PairedTest(variant: a, reference: r) else { continue }
                variants[i].significance[metric] = test
            }
        }
    }
}
