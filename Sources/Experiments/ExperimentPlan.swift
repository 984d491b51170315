import Foundation
import Runs
import Training

/// One arm of an experiment: a name and how it changes the base run configuration.
public struct ExperimentVariant: Sendable {
    /// Short identifier, unique within a plan (`uns`, `lambda=0.3`, `no-edis`); keys in
    /// `compare.json` and the stem of run directory names.
    public var name: String
    /// Human-readable label for tables and legends (defaults to `name`).
    public var label: String
    /// Turns the base configuration into this variant's configuration (the seed is set after).
    public var transform: @Sendable (RunConfig) -> RunConfig

    /// A variant called `name`, shown as `label`, configured by `transform`.
    public init(name: String, label: String? = nil, transform: @escaping @Sendable (RunConfig) -> RunConfig) {
        self.name = name
        self.label = label ?? name
        self.transform = transform
    }
}

/// One training run of a plan: a variant trained with one seed.
public struct RunKey: Hashable, Sendable, CustomStringConvertible {
    /// The variant's name.
    public var variant: String
    /// The run seed.
    public var seed: UInt64

    /// The run of `variant` with `seed`.
    public init(variant: String, seed: UInt64) {
        self.variant = variant
        self.seed = seed
    }

    /// Directory name under `OUTPUT/runs/`: `<variant>-seed<k>`, with characters other than
    /// letters, digits, `.`, `_`, `-` and `=` replaced by `_`.
    public var directoryName: String {
        let safe = variant.map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || "._-=".contains(c)) ? c : "_"
        }
        return String(safe) + "-seed\(seed)"
    }

    public var description: String { "\(variant) seed \(seed)" }
}

/// A set of variants trained from one base configuration with the same seeds: the variants
/// differ only where their transforms say so, so model, epochs, budget and data match.
public struct ExperimentPlan: Sendable {
    /// What the plan compares (`compare`, `ablation`, `sweep lambda`), for reports.
    public var title: String
    /// The shared configuration every variant starts from.
    public var base: RunConfig
    /// The arms, in report order.
    public var variants: [ExperimentVariant]
    /// Seeds; each variant is trained once per seed.
    public var seeds: [UInt64]
    /// Name of the variant relative changes are reported against (nil: none).
    public var baseline: String?
    /// Remarks for the report (how budgets were matched, what cannot be matched).
    public var notes: [String]
    /// Extra descriptive settings for `compare.json`'s `config` (regime, swept parameter...).
    public var settings: [String: String]
    /// Semantic IDs, by seed, of the runs that train ESANS without any in their configuration
    /// (`esans compare` without --semantic-ids fits MSAC's defaults, once, or once per seed when
    /// the data changes with the seed). Runs of other samplers are left without them, so their
    /// configurations match those of experiments without ESANS.
    public var semanticIDsBySeed: [UInt64: String] = [:]

    /// Whether every run that trains ESANS has semantic IDs: from the base or, for each seed,
    /// from ``semanticIDsBySeed``.
    public static func hasSemanticIDs(base: RunConfig, seeds: [UInt64], bySeed: [UInt64: String]) -> Bool {
        base.training.semanticIDs != nil || seeds.allSatisfy { bySeed[$0] != nil }
    }

    /// A plan; variant names must be unique and there must be at least one seed.
    public init(title: String, base: RunConfig, variants: [ExperimentVariant], seeds: [UInt64], baseline: String? = nil,
                notes: [String] = [], settings: [String: String] = [:]) throws {
        guard !variants.isEmpty else { throw ExperimentError("an experiment needs at least one variant") }
        guard !seeds.isEmpty else { throw ExperimentError("an experiment needs at least one seed") }
        let names = variants.map(\.name)
        guard Set(names).count == names.count else {
            throw ExperimentError("variant names must be unique, got \(names.joined(separator: ", "))")
        }
        guard Set(variants.map { RunKey(variant: $0.name, seed: 1).directoryName }).count == names.count else {
            throw ExperimentError("variant names must stay distinct as directory names, got \(names.joined(separator: ", "))")
        }
        if let baseline, !names.contains(baseline) {
            throw ExperimentError("baseline '\(baseline)' is not one of the variants (\(names.joined(separator: ", ")))")
        }
        self.title = title
        self.base = base
        self.variants = variants
        self.seeds = seeds
        self.baseline = baseline
        self.notes = notes
        self.settings = settings
    }

    /// Every run of the plan, variant by variant, seeds in order.
    public var runs: [RunKey] {
        variants.flatMap { v in seeds.map { RunKey(variant: v.name, seed: $0) } }
    }

    /// The variant called `name`.
    public func variant(named name: String) -> ExperimentVariant? {
        variants.first { $0.name == name }
    }

    /// The complete configuration of one run: the variant's transform of the base, then the
    /// seed (and, for ESANS without semantic IDs, that seed's from ``semanticIDsBySeed``).
    public func config(for key: RunKey) -> RunConfig {
        guard let v = variant(named: key.variant) else { preconditionFailure("no variant \(key.variant) in the plan") }
        var c = v.transform(base)
        c.training.seed = key.seed
        if c.training.sampler.needsSemanticIDs && c.training.semanticIDs == nil, let ids = semanticIDsBySeed[key.seed] {
            c.training.semanticIDs = ids
        }
        return c
    }

    /// `count` consecutive seeds starting at `first` (the CLI's `--seeds N` with `--seed S`).
    public static func seeds(count: Int, first: UInt64 = 1) -> [UInt64] {
        (0..<max(count, 0)).map { first + UInt64($0) }
    }
}
