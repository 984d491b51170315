import Foundation
import Testing
import TestSupport

/// Issue 16: `esans compare` and `esans sweep` refuse options their budget regime or their
/// choice of samplers would override, instead of ignoring them; nothing is written.
@Suite(.serialized) struct ExperimentOverrideCLITests {
    /// Runs `args` (with generated data and a fresh output) and expects a usage error whose
    /// message holds every one of `expected`, with nothing written.
    static func expectRefused(_ args: [String], _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let tmp = TempDir()
        let out = tmp.file("out")
        let (code, _, err) = try CLI.run(args + ["--data", "synthetic", "--epochs", "1", "--output", out.path])
        #expect(code == 64, "\(args): exit \(code)", sourceLocation: sourceLocation)
        for e in expected { #expect(err.contains(e), "\(args): \(err)", sourceLocation: sourceLocation) }
        #expect(err.contains("Usage: esans \(args[0])"), "\(err)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: out.path), "a refused command writes nothing", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        // compare's default regime for samplers is paper: no pool, --hard + --easy per positive.
        (["compare", "--samplers", "uns,dns", "--negatives", "64"],
         ["--negatives 64 would not be used", "budget regime 'paper' (the default for comparing samplers)", "no shared pool", "= 7 negatives per positive", "--regime custom"]),
        (["compare", "--samplers", "uns", "--regime", "production", "--per-positive", "3"],
         ["--per-positive 3 would not be used", "budget regime 'production' gives", "a shared pool of 1024", "--regime custom"]),
        (["compare", "--samplers", "uns", "--negatives", "0", "--per-positive", "2"],
         ["--per-positive 2 would not be used", "'paper'"]),
        (["compare", "--losses", "softmax,bsl", "--regime", "paper", "--negatives", "32"],
         ["--negatives 32 would not be used", "budget regime 'paper' gives"]),
        (["sweep", "--param", "tc", "--values", "0.5,1", "--per-positive", "4"],
         ["--per-positive 4 would not be used", "(the default for sweeping ESANS's knobs)", "--regime custom"]),
        (["sweep", "--param", "tau", "--values", "0.1", "--regime", "production", "--negatives", "16"],
         ["--negatives 16 would not be used", "'production'"]),
    ])
    func budgetOptionsARegimeOverridesAreRefused(_ args: [String], _ expected: [String]) throws {
        try Self.expectRefused(args, expected)
    }

    @Test(arguments: [
        (["compare", "--sampler", "dns"], ["--sampler dns would not be used", "compare without --losses trains the samplers of --samplers", "--samplers dns", "--losses"]),
        (["compare", "--samplers", "uns,pns", "--sampler", "pns"], ["--sampler pns would not be used"]),
        (["compare", "--ablation", "--sampler", "uns"], ["--sampler uns would not be used", "--ablation trains esans"]),
        (["sweep", "--param", "lambda", "--values", "0.1", "--sampler", "dns"], ["--sampler dns would not be used", "a sweep of lambda trains esans", "tau"]),
        (["compare", "--ablation", "--edis"], ["--edis cannot be combined with --ablation", "the ablation sets EDIS in each arm"]),
        (["compare", "--ablation", "--no-edis"], ["--no-edis cannot be combined with --ablation"]),
        (["compare", "--ablation", "--refresh-clusters", "3"], ["--refresh-clusters cannot be combined with --ablation", "no arm refreshes"]),
        (["compare", "--ablation", "--hard-candidates", "2"], ["--hard-candidates cannot be combined with --ablation", "one unscored draw per negative"]),
        (["compare", "--ablation", "--easy-proposal", "item"], ["--easy-proposal cannot be combined with --ablation"]),
        (["sweep", "--param", "lambda", "--values", "0.1", "--no-edis"], ["--no-edis cannot be combined with a sweep of lambda", "turns EDIS on"]),
    ])
    func aSamplerTheExperimentReplacesIsRefused(_ args: [String], _ expected: [String]) throws {
        try Self.expectRefused(args, expected)
    }

    /// What the regimes set anyway is accepted: the same values, `--regime custom`, or
    /// `--sampler` with `--losses`; the runs record the budget asked for.
    @Test func optionsTheExperimentUsesAreAccepted() throws {
        let tmp = TempDir()
        let tiny = ["--data", "synthetic", "--epochs", "1", "--dim", "8", "--seeds", "1", "--validation", "0"]
        let custom = tmp.file("custom")
        let ran = try CLI.run(["compare", "--samplers", "uns", "--regime", "custom", "--negatives", "24", "--per-positive", "2"] + tiny + ["--output", custom.path])
        #expect(ran.code == 0, "\(ran.err)")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: custom.appendingPathComponent("runs/uns-seed1/config.json"))) as? [String: Any]
        let training = config?["training"] as? [String: Any]
        #expect(training?["sharedNegatives"] as? Int == 24 && training?["perPositiveNegatives"] as? Int == 2, "\(training ?? [:])")
        let same = try CLI.run(["compare", "--samplers", "uns", "--negatives", "0", "--per-positive", "7"] + tiny + ["--output", tmp.file("paper").path])
        #expect(same.code == 0, "the paper regime's own values: \(same.err)")
        let losses = try CLI.run(["compare", "--losses", "softmax", "--sampler", "pns", "--negatives", "16"] + tiny + ["--output", tmp.file("losses").path])
        #expect(losses.code == 0, "\(losses.err)")
    }
}
