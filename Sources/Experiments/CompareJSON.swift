import Foundation
import Runs
import Training

/// The machine-readable result, `compare.json`:
///
/// ```
/// {"samplers": {"<name>": {"recall@50": {"mean": x, "sd": y, "runs": [...]}, ...,
///                          "train_seconds_per_epoch": s, "false_negative_rate": r,
///                          "relative_change": {"recall@50": c, ...}, "label": "...",
///                          "train_seconds_total": t, "paired_test": {"recall@50": {"p_value": p, "t": t,
///                          "mean_difference": d, "users": n}, ...} (against the baseline, when tested),
///                          "recall@50_per_epoch": [{"epoch": 1, "mean": x}, ...], "seeds": [...]}},
///  "order": ["<name>", ...],
///  "config": {"title": ..., "baseline": ..., "seeds": [...], "cutoffs": [...], "notes": [...],
///             "settings": {...}, "base": <RunConfig>, "variants": {"<name>": <TrainConfig of the first seed>}}}
/// ```
/// Variants are under `samplers` whatever they vary (samplers, ablation arms, sweep values).
public enum CompareJSON {
    /// The JSON object for `summary` of `plan`.
    public static func object(summary: ExperimentSummary, plan: ExperimentPlan) throws -> [String: Any] {
        var samplers: [String: Any] = [:]
        for v in summary.variants {
            var entry: [String: Any] = [
                "label": v.label,
                "train_seconds_per_epoch": v.trainSecondsPerEpoch.mean,
                "false_negative_rate": v.falseNegativeRate,
                "relative_change": v.relativeChange,
                "seeds": v.seeds.map { NSNumber(value: $0) },
                "\(summary.curveMetric)_per_epoch": v.recallCurve.map { ["epoch": $0.epoch, "mean": $0.value] as [String: Any] },
            ]
            for (m, s) in v.metrics { entry[m] = ["mean": s.mean, "sd": s.sd, "runs": s.runs] as [String: Any] }
            entry["train_seconds_total"] = v.trainSecondsTotal.mean
            if !v.significance.isEmpty {
                entry["paired_test"] = v.significance.mapValues { t in
                    ["p_value": t.pValue, "t": t.t.isFinite ? t.t : (t.t > 0 ? Double.greatestFiniteMagnitude : -Double.greatestFiniteMagnitude),
                     "mean_difference": t.meanDifference, "users": t.users] as [String: Any]
                }
            }
            samplers[v.name] = entry
        }
        var variantConfigs: [String: Any] = [:]
        for v in plan.variants {
            variantConfigs[v.name] = try jsonObject(plan.config(for: RunKey(variant: v.name, seed: plan.seeds[0])).training)
        }
        var config: [String: Any] = [
            "title": summary.title,
            "seeds": plan.seeds.map { NSNumber(value: $0) },
            "cutoffs": summary.cutoffs,
            "notes": summary.notes,
            "settings": plan.settings,
            "base": try jsonObject(plan.base),
            "variants": variantConfigs,
        ]
        if let b = summary.baseline { config["baseline"] = b }
        return ["samplers": samplers, "order": summary.variants.map(\.name), "config": config]
    }

    /// Pretty-printed JSON bytes with sorted keys.
    public static func data(summary: ExperimentSummary, plan: ExperimentPlan) throws -> Data {
        try JSONSerialization.data(withJSONObject: object(summary: summary, plan: plan), options: [.prettyPrinted, .sortedKeys])
    }

    /// A Codable value as a JSON object tree.
    static func jsonObject<T: Encodable>(_ value: T) throws -> Any {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
    }
}
