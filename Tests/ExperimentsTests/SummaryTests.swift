import TestSupport
import Foundation
import Runs
import Testing
import Losses
import Training
@testable import Experiments

/// Aggregation arithmetic on hand-made metrics logs.
@Suite struct SummaryTests {
    @Test func statisticsBasics() {
        #expect(Statistics.mean([1, 2, 3, 4]) == 2.5)
        #expect(Statistics.mean([]) == 0)
        // Sample sd of 2, 4, 4, 4, 5, 5, 7, 9: sum of squares 32, n - 1 = 7.
        #expect(abs(Statistics.sampleSD([2, 4, 4, 4, 5, 5, 7, 9]) - (32.0 / 7).squareRoot()) < 1e-12)
        #expect(Statistics.sampleSD([3]) == 0)
        #expect(Statistics.median([5, 1, 3]) == 3)
        #expect(Statistics.median([4, 1, 3, 2]) == 2.5)
        #expect(Statistics.relativeChange(0.33, baseline: 0.3).map { abs($0 - 0.1) < 1e-12 } == true)
        #expect(Statistics.relativeChange(1, baseline: 0) == nil)
    }

    @Test func aggregatesMeanSDRelativeChangeSpeedAndCurve() throws {
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        let s = try ExperimentSummary(plan: plan, logs: twoVariantLogs(), cutoffs: [50])
        #expect(s.variants.map(\.name) == ["a", "b"])
        let a = s.variants[0], b = s.variants[1]
        #expect(abs(a.metrics["recall@50"]!.mean - 0.3) < 1e-12)
        #expect(abs(a.metrics["recall@50"]!.sd - 0.02.squareRoot()) < 1e-12)
        #expect(a.metrics["recall@50"]!.runs == [0.2, 0.4])
        #expect(abs(b.metrics["recall@50"]!.mean - 0.4) < 1e-12)
        #expect(a.metrics["ndcg@50"]!.sd == 0)
        // Relative change against the baseline a; the baseline against itself is 0.
        #expect(abs(b.relativeChange["recall@50"]! - 1.0 / 3) < 1e-12)
        #expect(abs(b.relativeChange["ndcg@50"]! - 1.0) < 1e-12)
        #expect(a.relativeChange["recall@50"] == 0)
        // Median over epochs per run ([1, 3] -> 2, [5, 4] -> 4.5), then the mean over seeds.
        #expect(abs(a.trainSecondsPerEpoch.mean - 3.25) < 1e-12)
        #expect(abs(b.trainSecondsPerEpoch.mean - 1.5) < 1e-12)
        // Mean over epochs and seeds.
        #expect(abs(a.falseNegativeRate - 0.025) < 1e-12)
        #expect(abs(b.falseNegativeRate - 0.025) < 1e-12)
        // Curve: per-epoch mean over seeds.
        #expect(a.recallCurve.map(\.epoch) == [1, 2])
        #expect(abs(a.recallCurve[0].value - 0.2) < 1e-12 && abs(a.recallCurve[1].value - 0.3) < 1e-12)
    }

    @Test func missingOrUnfinishedRunsAreErrors() throws {
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        var logs = twoVariantLogs()
        logs[RunKey(variant: "b", seed: 2)]!.final = nil
        #expect(throws: ExperimentError.self) { try ExperimentSummary(plan: plan, logs: logs, cutoffs: [50]) }
        logs[RunKey(variant: "b", seed: 2)] = nil
        #expect(throws: ExperimentError.self) { try ExperimentSummary(plan: plan, logs: logs, cutoffs: [50]) }
    }

    @Test func plansValidateAndApplyBudgets() throws {
        let base = tinyRunConfig(path: "unused")
        let paper = try PlanCatalog.comparison(base: base, samplers: [.uns, .pns, .inbatch], regime: .paper, seeds: [1, 2])
        #expect(paper.baseline == "uns")
        #expect(paper.runs.count == 6)
        let c = paper.config(for: RunKey(variant: "pns", seed: 2))
        #expect(c.training.sampler == .pns && c.training.seed == 2)
        #expect(c.training.sharedNegatives == 0 && c.training.perPositiveNegatives == 7)
        let prod = try PlanCatalog.comparison(base: base, samplers: [.uns], regime: .production, seeds: [1])
        #expect(prod.config(for: RunKey(variant: "uns", seed: 1)).training.sharedNegatives == 1024)
        #expect(throws: ExperimentError.self) { try PlanCatalog.comparison(base: base, samplers: [.esans], regime: .paper, seeds: [1]) }
        var withIDs = base
        withIDs.training.semanticIDs = "ids.tsv"
        let abl = try PlanCatalog.comparison(base: withIDs, samplers: [.uns], regime: .paper, seeds: [1], ablation: true)
        #expect(abl.variants.map(\.name) == ["uns", "esans", "no-edis", "no-simple-interp", "no-hard-interp", "random-clusters", "primary-only"])
        #expect(abl.baseline == "esans")
        #expect(abl.config(for: RunKey(variant: "no-edis", seed: 1)).training.esans.edis == false)
        // EDIS is off by default, but the ablation takes the paper's full method apart: on in every other arm.
        #expect(!base.training.esans.edis)
        for arm in ["esans", "no-simple-interp", "no-hard-interp", "random-clusters", "primary-only"] {
            #expect(abl.config(for: RunKey(variant: arm, seed: 1)).training.esans.edis, "\(arm)")
        }
        #expect(abl.config(for: RunKey(variant: "random-clusters", seed: 1)).training.randomClusters)
        // Clusters refresh by default, but no ablation arm refreshes (the paper's method).
        #expect(base.training.refreshClusters == 5)
        for arm in PlanCatalog.ablationArms.map(\.name) {
            #expect(abl.config(for: RunKey(variant: arm, seed: 1)).training.refreshClusters == 0, "\(arm)")
        }
        // Resampled candidates and the popularity-weighted easy draw are the defaults; every arm
        // takes the paper's unscored, per-cluster draws.
        let e = base.training.esans
        #expect(e.hardCandidates == 4 && e.easyCandidates == 4 && e.easyProposal == .popularity && e.candidateSelection == .resample)
        for arm in PlanCatalog.ablationArms.map(\.name) {
            let e = abl.config(for: RunKey(variant: arm, seed: 1)).training.esans
            #expect(e.hardCandidates == 1 && e.easyCandidates == 1 && e.easyProposal == .cluster, "\(arm)")
        }
        #expect(abl.config(for: RunKey(variant: "primary-only", seed: 1)).training.esans.useSecondary == false)
        let sweep = try PlanCatalog.sweep(base: withIDs, parameter: .lambda, values: ["-0.3", "0.5"], regime: .paper, seeds: [1])
        #expect(sweep.variants.map(\.name) == ["lambda=-0.3", "lambda=0.5"])
        #expect(sweep.config(for: RunKey(variant: "lambda=-0.3", seed: 1)).training.esans.lambda == -0.3)
        #expect(sweep.config(for: RunKey(variant: "lambda=-0.3", seed: 1)).training.esans.edis, "a lambda sweep needs EDIS")
        #expect(RunKey(variant: "lambda=-0.3", seed: 1).directoryName == "lambda=-0.3-seed1")
        #expect(throws: ExperimentError.self) { try PlanCatalog.sweep(base: withIDs, parameter: .lambda, values: ["0.9"], regime: .paper, seeds: [1]) }
    }

    @Test func kpSweepSubstitutesThePattern() throws {
        let tmp = TempDir()
        for k in [4, 8] {
            let d = tmp.url.appendingPathComponent("kp\(k)")
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try "item_id\tprimary\tsecondary\n".write(to: d.appendingPathComponent("semantic_ids.tsv"), atomically: true, encoding: .utf8)
        }
        let pattern = tmp.url.path + "/kp{value}/semantic_ids.tsv"
        let plan = try PlanCatalog.sweep(base: tinyRunConfig(path: "unused"), parameter: .kp, values: ["4", "8"], regime: .paper,
                                         seeds: [1], semanticIDsPattern: pattern)
        #expect(plan.config(for: RunKey(variant: "kp=8", seed: 1)).training.semanticIDs == tmp.url.path + "/kp8/semantic_ids.tsv")
        #expect(plan.config(for: RunKey(variant: "kp=8", seed: 1)).training.sampler == .esans)
        #expect(throws: ExperimentError.self) {
            try PlanCatalog.sweep(base: tinyRunConfig(path: "unused"), parameter: .kp, values: ["16"], regime: .paper, seeds: [1], semanticIDsPattern: pattern)
        }
    }
    @Test func clusterTemperatureAndHardSweepsKeepTheBudget() throws {
        var base = tinyRunConfig(path: "unused")
        base.training.semanticIDs = "ids.tsv"
        let tc = try PlanCatalog.sweep(base: base, parameter: .tc, values: ["0.1", "1"], regime: .paper, seeds: [1])
        #expect(tc.config(for: RunKey(variant: "tc=0.1", seed: 1)).training.esans.clusterTemperature == 0.1)
        #expect(tc.config(for: RunKey(variant: "tc=1", seed: 1)).training.sampler == .esans)
        let hard = try PlanCatalog.sweep(base: base, parameter: .hard, values: ["0", "3"], regime: .paper, seeds: [1])
        let h3 = hard.config(for: RunKey(variant: "hard=3", seed: 1)).training
        #expect(h3.esans.hard == 3 && h3.esans.easy == 4 && h3.perPositiveNegatives == 7)
        let h0 = hard.config(for: RunKey(variant: "hard=0", seed: 1)).training
        #expect(h0.esans.hard == 0 && h0.esans.easy == 7)
        #expect(throws: ExperimentError.self) { try PlanCatalog.sweep(base: base, parameter: .tc, values: ["0"], regime: .paper, seeds: [1]) }
        #expect(throws: ExperimentError.self) { try PlanCatalog.sweep(base: base, parameter: .hard, values: ["8"], regime: .paper, seeds: [1]) }
        let refresh = try PlanCatalog.sweep(base: base, parameter: .refreshClusters, values: ["0", "5"], regime: .paper, seeds: [1])
        #expect(refresh.config(for: RunKey(variant: "refresh-clusters=5", seed: 1)).training.refreshClusters == 5)
        #expect(refresh.config(for: RunKey(variant: "refresh-clusters=0", seed: 1)).training.refreshClusters == 0)
        #expect(refresh.config(for: RunKey(variant: "refresh-clusters=0", seed: 1)).training.sampler == .esans)
        #expect(refresh.variants.map(\.label) == ["clusters fixed", "refresh every 5 epochs"])
        #expect(throws: ExperimentError.self) { try PlanCatalog.sweep(base: base, parameter: .refreshClusters, values: ["-1"], regime: .paper, seeds: [1]) }
        #expect(throws: ExperimentError.self) {
            try PlanCatalog.sweep(base: tinyRunConfig(path: "unused"), parameter: .tc, values: ["1"], regime: .paper, seeds: [1])
        }
    }

    /// Loss knobs sweep the base sampler and loss (no semantic IDs needed); loss comparisons
    /// change only the loss, each with its own default temperature.
    @Test func lossSweepsAndLossComparisons() throws {
        var base = tinyRunConfig(path: "unused")
        base.training.loss.kind = .bsl
        let tau = try PlanCatalog.sweep(base: base, parameter: .tau, values: ["0.05", "0.2"], regime: .custom, seeds: [1])
        let c = tau.config(for: RunKey(variant: "tau=0.2", seed: 1)).training
        #expect(c.loss.temperature == 0.2 && c.loss.kind == .bsl && c.sampler == base.training.sampler)
        let w = try PlanCatalog.sweep(base: base, parameter: .cclMargin, values: ["0.5"], regime: .custom, seeds: [1])
        #expect(w.config(for: RunKey(variant: "ccl-margin=0.5", seed: 1)).training.loss.cclMargin == 0.5)
        #expect(throws: ExperimentError.self) { try PlanCatalog.sweep(base: base, parameter: .tau, values: ["-1"], regime: .custom, seeds: [1]) }
        #expect(throws: ExperimentError.self) { try PlanCatalog.sweep(base: base, parameter: .cclMargin, values: ["1.5"], regime: .custom, seeds: [1]) }

        let cmp = try PlanCatalog.lossComparison(base: base, losses: [.softmax, .bsl, .ccl], seeds: [1, 2])
        #expect(cmp.variants.map(\.name) == ["softmax", "bsl", "ccl"] && cmp.baseline == "softmax" && cmp.runs.count == 6)
        for kind in [LossKind.softmax, .bsl, .ccl] {
            let t = cmp.config(for: RunKey(variant: kind.rawValue, seed: 2)).training
            #expect(t.loss.kind == kind && t.loss.resolvedTemperature == kind.defaultTemperature && t.sampler == base.training.sampler)
        }
        #expect(throws: ExperimentError.self) { try PlanCatalog.lossComparison(base: base, losses: [], seeds: [1]) }
    }

    @Test func validationMetricsGetTheirOwnTable() throws {
        let plan = try twoVariantPlan(base: tinyRunConfig(path: "unused"))
        let plain = try ExperimentSummary(plan: plan, logs: twoVariantLogs(), cutoffs: [50])
        #expect(!plain.hasValidation)
        #expect(!ReportContent.tables(plain).contains { $0.caption.hasPrefix("Validation") })
        var logs = twoVariantLogs()
        for (k, v) in logs { logs[k]!.final = v.final!.merging(["valid_recall@50": v.final!["recall@50"]! / 2, "valid_ndcg@50": 0.05]) { a, _ in a } }
        let s = try ExperimentSummary(plan: plan, logs: logs, cutoffs: [50])
        #expect(s.hasValidation)
        #expect(abs(s.variants[1].metrics["valid_recall@50"]!.mean - 0.2) < 1e-12)
        let table = try #require(ReportContent.tables(s).first { $0.caption.hasPrefix("Validation") })
        #expect(table.rows.map { $0[0] } == ["A", "B"])
        #expect(table.rows[1][1] == ReportContent.meanSD(s.variants[1].metrics["valid_recall@50"]))
        // Issue 16: the validation table leads, above the test tables, in every format.
        #expect(ReportContent.tables(s).first?.caption.hasPrefix("Validation") == true)
        let md = ReportWriter.markdown(ReportContent(summary: s, plan: plan))
        let valid = try #require(md.range(of: "### Validation")), test = try #require(md.range(of: "### Recall@K"))
        #expect(valid.lowerBound < test.lowerBound)
    }
}
