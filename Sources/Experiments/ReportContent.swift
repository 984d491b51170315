import Foundation
import NumCore
import Training
import Losses

/// What the report says, independent of its format: the description of the setup, the
/// tables and the charts, built from an ``ExperimentSummary`` and its ``ExperimentPlan``.
public struct ReportContent: Sendable {
    /// Report title.
    public var title: String
    /// Setup lines (data, model, budget, seeds), as plain sentences.
    public var setup: [String]
    /// Remarks (budget notes).
    public var notes: [String]
    /// The tables, in order.
    public var tables: [ReportTable]
    /// Charts: (file name, alt text, SVG source).
    public var charts: [(file: String, alt: String, svg: String)]

    /// The content for `summary` of `plan`.
    public init(summary: ExperimentSummary, plan: ExperimentPlan) {
        title = summary.title
        let b = plan.base, t = b.training
        let hidden = b.model.user.hidden.map(String.init).joined(separator: ",")
        setup = [
            "Data: `\(b.data.path)`\(b.data.format.map { " (\($0))" } ?? "").",
            "Model: dimension \(b.model.dim)\(hidden.isEmpty ? "" : ", hidden \(hidden)"); \(t.epochs) epochs, batch \(t.batchSize), learning rate \(b.optimizer.learningRate), loss \(t.loss.kind.rawValue)\(t.loss.kind.usesTemperature ? ", tau \(t.loss.resolvedTemperature)" : ""), \(t.lrSchedule.rawValue) schedule.",
            plan.seeds.count > 1
                ? "Seeds: \(plan.seeds.map(String.init).joined(separator: ", ")) (each variant trained once per seed; mean ± sample sd over seeds)."
                : "Seed: \(plan.seeds[0]) (one run per variant, so no spread is shown: add seeds to see it).",
            t.validationFraction > 0
                ? "Metrics: full-corpus ranking with training items masked; each run's stopping point chosen on a validation split (\(t.validationFraction) of each user's training items), the test split evaluated once, there\(t.refit ? " (after a refit on all training data)" : "")."
                : "Metrics: full-corpus ranking on the test split with training items masked, final epoch.",
        ]
        if !plan.settings.isEmpty {
            setup.append("Settings: " + plan.settings.keys.sorted().map { "\($0) `\(plan.settings[$0]!)`" }.joined(separator: ", ") + ".")
        }
        notes = summary.notes
        tables = Self.tables(summary)
        charts = Self.charts(summary)
    }

    /// `mean ± sd` with four decimals (the mean alone for one seed).
    static func meanSD(_ s: MetricStats?) -> String {
        guard let s else { return "–" }
        return s.text
    }

    /// A signed percentage, or a dash.
    static func percent(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "–" }
        return String(format: "%+.1f%%", x * 100)
    }

    /// The metric name as printed (`Recall@50`).
    static func pretty(_ metric: String) -> String {
        let prefix = ExperimentSummary.validationPrefix
        if metric.hasPrefix(prefix) { return "validation " + pretty(String(metric.dropFirst(prefix.count))) }
        return metric.replacingOccurrences(of: "recall@", with: "Recall@").replacingOccurrences(of: "ndcg@", with: "NDCG@")
    }

    static func tables(_ s: ExperimentSummary) -> [ReportTable] {
        let recall = s.cutoffs.map { "recall@\($0)" }, ndcg = s.cutoffs.map { "ndcg@\($0)" }
        let seeds = s.variants.map { $0.metrics[recall.first ?? ""]?.runs.count ?? 0 }.max() ?? 0
        let spread = seeds > 1 ? " (mean ± sd over seeds)" : " (one seed)"
        var out: [ReportTable] = []
        if s.hasValidation {
            // Settings should be chosen on these, never on the test metrics below.
            let valid = (recall + ndcg).map { ExperimentSummary.validationPrefix + $0 }
            out.append(ReportTable(caption: "Validation split at each run's selected epoch (choose settings on these, not on test)",
                                   header: ["Variant"] + (recall + ndcg).map(pretty),
                                   rows: s.variants.map { v in [v.label] + valid.map { meanSD(v.metrics[$0]) } }))
        }
        out += [
            ReportTable(caption: "Recall@K" + spread, header: ["Variant"] + recall.map(pretty),
                        rows: s.variants.map { v in [v.label] + recall.map { meanSD(v.metrics[$0]) } }),
            ReportTable(caption: "NDCG@K" + spread, header: ["Variant"] + ndcg.map(pretty),
                        rows: s.variants.map { v in [v.label] + ndcg.map { meanSD(v.metrics[$0]) } }),
        ]
        if let b = s.baseline, let base = s.variants.first(where: { $0.name == b }) {
            let tested = s.variants.contains { !$0.significance.isEmpty }
            let caption = "Relative change vs \(base.label)" + (tested
                ? " (* p < 0.05, ** p < 0.01: paired t-test over the test users, each user's metric averaged over seeds)" : "")
            out.append(ReportTable(caption: caption, header: ["Variant"] + (recall + ndcg).map(pretty),
                                   rows: s.variants.map { v in
                                       [v.label] + (recall + ndcg).map { percent(v.relativeChange[$0]) + (v.significance[$0]?.marker ?? "") }
                                   }))
        }
        let (quality, front) = qualityPerCost(s)
        out.append(ReportTable(
            caption: "Cost, quality per cost and false negatives (front: no other variant is both cheaper and better on \(pretty(quality)))",
            header: ["Variant", "Training s / epoch", "Training s in all", pretty(quality), "Front", "False-negative rate", "Seeds"],
            rows: s.variants.enumerated().map { i, v in
                [v.label, String(format: "%.2f", v.trainSecondsPerEpoch.mean), String(format: "%.0f", v.trainSecondsTotal.mean),
                 meanSD(v.metrics[quality]), front.contains(i) ? "yes" : "", String(format: "%.5f", v.falseNegativeRate), String(v.seeds.count)]
            }))
        return out
    }

    /// The quality metric of the cost chart (validation Recall@50 when the runs held one out,
    /// so that a choice made from the chart is made on validation; else test Recall@50) and the
    /// indices of the variants on the cost/quality front.
    static func qualityPerCost(_ s: ExperimentSummary) -> (metric: String, front: [Int]) {
        let k = s.cutoffs.contains(50) ? 50 : (s.cutoffs.first ?? 50)
        let metric = (s.hasValidation ? ExperimentSummary.validationPrefix : "") + "recall@\(k)"
        let front = ParetoFront.indices(cost: s.variants.map(\.trainSecondsTotal.mean),
                                        quality: s.variants.map { $0.metrics[metric]?.mean ?? .nan })
        return (metric, front)
    }

    static func charts(_ s: ExperimentSummary) -> [(file: String, alt: String, svg: String)] {
        let curve = pretty(s.curveMetric)
        let lines = s.variants.map { v in SVGChart.Series(label: v.label, points: v.recallCurve.map { (x: Double($0.epoch), y: $0.value) }) }
        let stem = s.curveMetric.replacingOccurrences(of: "@", with: "")
        var out = [(file: "\(stem)_per_epoch.svg", alt: "\(curve) per epoch",
                    svg: SVGChart.line(title: "\(curve) per epoch (mean over seeds)", xLabel: "epoch", yLabel: curve, series: lines))]
        for family in ["recall", "ndcg"] {
            let metrics = s.cutoffs.map { "\(family)@\($0)" }
            let bars = s.variants.map { v in
                SVGChart.BarSeries(label: v.label, values: metrics.map { v.metrics[$0]?.mean ?? .nan },
                                   errors: metrics.map { v.metrics[$0]?.sd ?? 0 },
                                   marks: metrics.map { v.significance[$0]?.marker ?? "" })
            }
            let name = family == "recall" ? "Recall@K" : "NDCG@K"
            let seeds = s.variants.map { v in metrics.first.flatMap { v.metrics[$0]?.runs.count } ?? 0 }.max() ?? 0
            let base = s.baseline.map { b in s.variants.first { $0.name == b }?.label ?? b } ?? ""
            let tested = s.variants.contains { !$0.significance.isEmpty } ? " (* p < 0.05, ** p < 0.01 against \(base): paired t-test over the test users)" : ""
            out.append((file: "final_\(family).svg", alt: "final \(name)" + (seeds > 1 ? ", mean ± sd" : ", one seed") + tested,
                        svg: SVGChart.bars(title: "Final \(name)" + (seeds > 1 ? " (mean ± sd over seeds)" : " (one seed)"), groups: metrics.map(pretty),
                                           yLabel: name, series: bars)))
        }
        let (quality, front) = qualityPerCost(s)
        let prefix = ExperimentSummary.validationPrefix, valid = quality.hasPrefix(prefix)
        let name = valid ? "validation " + pretty(String(quality.dropFirst(prefix.count))) : pretty(quality)
        let points = s.variants.map { v in SVGChart.Point(label: v.label, x: v.trainSecondsTotal.mean, y: v.metrics[quality]?.mean ?? .nan) }
        out.append((file: "quality_per_cost.svg", alt: "\(name) against training seconds (dashed: the front)",
                    svg: SVGChart.scatter(title: "Quality per cost: \(name) vs training time", xLabel: "training seconds (all epochs and refit)",
                                          yLabel: name, points: points, front: front)))
        return out
    }
}
