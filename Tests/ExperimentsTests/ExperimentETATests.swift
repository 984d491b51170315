import Testing
@testable import Experiments

/// The experiment's ETA: runs left at their variant's mean time, or the mean of all trained
/// runs while their variant has none; reused runs count as done and take no time.
@Suite struct ExperimentETATests {
    @Test func runsLeftAtTheirVariantsMeanTime() {
        let runs = [RunKey(variant: "uns", seed: 1), RunKey(variant: "esans", seed: 1), RunKey(variant: "dns", seed: 1),
                    RunKey(variant: "uns", seed: 2), RunKey(variant: "esans", seed: 2), RunKey(variant: "dns", seed: 2)]
        var eta = ExperimentETA(runs: runs)
        #expect(eta.secondsLeft == nil, "nothing trained yet")
        eta.reused(runs[0])
        #expect(eta.secondsLeft == nil, "a reused run took no time to learn from")
        eta.trained(runs[1], seconds: 30)
        // dns x 2 and esans seed 2: all at esans's 30 s (the only variant timed); uns seed 2 too.
        #expect(eta.secondsLeft == 4 * 30.0)
        eta.trained(runs[2], seconds: 50)
        // uns seed 2 at the mean of all trained runs (40), esans at 30, dns at 50.
        #expect(eta.secondsLeft == 40.0 + 30.0 + 50.0)
        eta.trained(runs[3], seconds: 10)
        eta.trained(runs[4], seconds: 40)
        // esans now averages 35; dns seed 2 is left at 50.
        #expect(eta.secondsLeft == 50.0)
        eta.trained(runs[5], seconds: 70)
        #expect(eta.secondsLeft == 0.0)
    }
}
