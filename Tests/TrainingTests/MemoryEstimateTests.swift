import Foundation
import Testing
import TestSupport
import NumCore
import Datasets
import Models
import Runs
@testable import Training

/// The peak-memory estimate of a training run, and the refusal of runs that would not fit.
@Suite struct MemoryEstimateTests {
    /// The recipe's settings at width 64 (the figures below are worked out for it).
    static let defaults: TrainingMemoryEstimate.Settings = {
        var s = TrainingMemoryEstimate.Settings(RunConfig(data: .init(path: "d.csv")))
        s.dim = 64
        return s
    }()

    static func estimate(users: Int, items: Int, interactions: Int, format: DataFormat? = .csv,
                         _ change: (inout TrainingMemoryEstimate.Settings) -> Void = { _ in }) -> TrainingMemoryEstimate {
        var s = defaults
        change(&s)
        return TrainingMemoryEstimate(sizes: .init(users: users, items: items, trainInteractions: interactions * 4 / 5,
                                                   testInteractions: interactions / 5, format: format), settings: s)
    }

    /// A header or option that claims 10^12 items is refused from the sizes alone: the
    /// estimate is computed without overflow and names the sizes, the settings and the cure.
    @Test func absurdSizesExceedTheMachine() throws {
        let e = Self.estimate(users: 1000, items: 1_000_000_000_000, interactions: 5000)
        #expect(e.peakBytes > Double(TrainingMemoryEstimate.physicalMemory))
        // 10^12 x 64 floats per table, four of them per model, two models with the refit.
        #expect(e.peakBytes > 8 * 1e12 * 64 * 4)
        let message = try #require(e.refusal(limit: TrainingMemoryEstimate.physicalMemory))
        for part in ["1,000 users x 1,000,000,000,000 items", "dim 64", "batch 1024", "1024 shared negatives", "needs about",
                     "more than this machine's", "--ignore-memory-limit", "refit"] {
            #expect(message.contains(part), "\(part) missing from: \(message)")
        }
        // The same sizes with a plausible catalogue fit.
        let small = Self.estimate(users: 1000, items: 1000, interactions: 5000)
        #expect(small.refusal(limit: TrainingMemoryEstimate.physicalMemory) == nil)
    }

    /// The phases: a large model peaks while the refit writes its checkpoint with both models
    /// alive; without the refit only one model is ever allocated; a small model on a large
    /// RecBole file peaks while the data is read again for the refit.
    @Test func thePeakPhaseFollowsTheSizes() throws {
        let big = Self.estimate(users: 1_000_000, items: 1_000_000, interactions: 2_000_000)
        #expect(big.peakPhase == "refit")
        let noRefit = Self.estimate(users: 1_000_000, items: 1_000_000, interactions: 2_000_000) { $0.refit = false }
        #expect(noRefit.peakPhase == "training")
        // A model is four tables (weights, gradients, two moments) and a little bookkeeping
        // per row; the refit keeps two.
        let table = 2e6 * 64 * 4
        let one = try #require(noRefit.parts.first { $0.name.hasPrefix("model") }).bytes
        let two = try #require(big.parts.first { $0.name.hasPrefix("model") }).bytes
        #expect(one > 4 * table && one < 4.05 * table)
        #expect(two == 2 * one)
        #expect(big.parts.first { $0.name == "checkpoint write" }?.bytes == 6 * table)
        let fileBound = Self.estimate(users: 6000, items: 4000, interactions: 1_000_000, format: .recbole)
        #expect(fileBound.peakPhase == "refit load")
        #expect(fileBound.parts.contains { $0.name == "reading the data again" })
        #expect(abs(fileBound.parts.reduce(0) { $0 + $1.bytes } - fileBound.peakBytes) < 1)
    }

    /// Every size and setting of the estimate moves it the way the allocations do.
    @Test func eachSizeRaisesTheEstimate() {
        let base = Self.estimate(users: 30_000, items: 40_000, interactions: 1_000_000)
        let bigger: [TrainingMemoryEstimate] = [
            Self.estimate(users: 60_000, items: 40_000, interactions: 1_000_000),
            Self.estimate(users: 30_000, items: 80_000, interactions: 1_000_000),
            Self.estimate(users: 30_000, items: 40_000, interactions: 2_000_000),
            Self.estimate(users: 30_000, items: 40_000, interactions: 1_000_000) { $0.dim = 128 },
            Self.estimate(users: 30_000, items: 40_000, interactions: 1_000_000) { $0.batchSize = 4096 },
            Self.estimate(users: 30_000, items: 40_000, interactions: 1_000_000) { $0.sharedNegatives = 8192 },
        ]
        for e in bigger { #expect(e.peakBytes > base.peakBytes, "\(e.settingsSummary) \(e.sizes)") }
        // Threads add evaluation buffers, which count while one model trains (no refit).
        let one = Self.estimate(users: 30_000, items: 40_000, interactions: 1_000_000) { $0.refit = false }
        let many = Self.estimate(users: 30_000, items: 40_000, interactions: 1_000_000) { $0.refit = false; $0.threads = 64 }
        #expect(many.peakBytes > one.peakBytes && one.peakBytes < base.peakBytes)
        // Doubling the dimension roughly doubles the model-bound peak of a large catalogue.
        let wide = Self.estimate(users: 1_000_000, items: 1_000_000, interactions: 1_000_000) { $0.dim = 128 }
        let narrow = Self.estimate(users: 1_000_000, items: 1_000_000, interactions: 1_000_000)
        #expect(wide.peakBytes / narrow.peakBytes > 1.8 && wide.peakBytes / narrow.peakBytes < 2)
    }

    /// The settings of a run: 0 threads means every core; ESANS adds its per-positive and
    /// virtual negatives; a validation split without the refit trains one model.
    @Test func settingsComeFromTheRunConfig() {
        var c = RunConfig(data: .init(path: "d.csv"))
        var s = TrainingMemoryEstimate.Settings(c)
        #expect(s.dim == RunConfig.defaultModel.dim && s.dim == 160 && s.batchSize == 1024 && s.sharedNegatives == 1024 && s.refit)
        #expect(s.threads == ProcessInfo.processInfo.activeProcessorCount)
        c.training.sampler = .esans
        c.training.threads = 3
        c.training.refit = false
        c.model.user.hidden = [128]
        s = TrainingMemoryEstimate.Settings(c)
        // EDIS is off by default: only the real per-positive negatives; with it, the virtual ones too.
        #expect(s.perPositiveNegatives == c.training.esans.hard + c.training.esans.easy)
        #expect(s.threads == 3 && !s.refit)
        c.training.esans.edis = true
        // 1 hard + 6 easy: 20 simple mixes (k = 2 ... 6 mixes of k) and 1 hard mix.
        #expect(TrainingMemoryEstimate.Settings(c).perPositiveNegatives == c.training.esans.hard + c.training.esans.easy + 21)
        let d = c.model.dim
        #expect(s.denseParameters == d * 128 + 128 + 128 * d + d)
    }

    static func config(dim: Int) -> RunConfig {
        var c = RunConfig(data: .init(path: RunConfig.syntheticPath))
        c.model.dim = dim
        c.training.epochs = 1
        c.training.sharedNegatives = 64
        c.training.validationFraction = 0
        return c
    }

    /// `--dim 10^9` on the generated data (2,700 ids: 10^13 bytes per table) is refused once
    /// the data is loaded, before any table is allocated and before anything is written.
    @Test func trainingRefusesARunLargerThanTheMachine() throws {
        let tmp = TempDir()
        let dir = tmp.url.appendingPathComponent("run")
        var events: [String] = []
        let run = TrainingRun(directory: dir, config: Self.config(dim: 1_000_000_000)) { event in
            if case .loaded = event { events.append("loaded") }
            if case .step = event { events.append("step") }
        }
        do {
            try run.run(resume: false)
            Issue.record("a run of 10^13-byte tables started")
        } catch let error as MemoryLimitError {
            #expect(error.estimate.sizes.users == 1500 && error.estimate.sizes.items == 1200)
            #expect("\(error)".contains("1,500 users x 1,200 items") && "\(error)".contains("dim 1000000000"), "\(error)")
        }
        #expect(events == ["loaded"])
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    /// The limit is the machine's memory unless set: below a run's estimate it refuses the
    /// run, and nil (`--ignore-memory-limit`) lets the same run train.
    @Test func theLimitDecides() throws {
        let tmp = TempDir()
        let config = Self.config(dim: 8)
        let data = try config.loadDataset()
        let estimate = TrainingMemoryEstimate(sizes: TrainingMemoryEstimate.sizes(of: data, source: config.data), config: config)
        #expect(estimate.peakBytes < Double(TrainingMemoryEstimate.physicalMemory))
        let tight = TrainingRun(directory: tmp.url.appendingPathComponent("tight"), config: config)
        #expect(tight.memoryLimit == TrainingMemoryEstimate.physicalMemory)
        tight.memoryLimit = UInt64(estimate.peakBytes) - 1
        #expect(throws: MemoryLimitError.self) { try tight.run(resume: false) }
        #expect(!FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("tight").path))
        let free = TrainingRun(directory: tmp.url.appendingPathComponent("free"), config: config)
        free.memoryLimit = nil
        let log = try free.run(resume: false)
        #expect(log.epochs.count == 1)
    }
}
