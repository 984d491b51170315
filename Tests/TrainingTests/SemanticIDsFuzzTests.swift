import TestSupport
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Sampling
@testable import Training
import Codebooks

/// Inputs of the esans sampler's reader (`MSACArtifact`: `semantic_ids.tsv` and the primary
/// centroids of the `msac.safetensors` beside it) that crashed or over-allocated, kept as
/// regression tests. The first was found by the fuzzer (`scripts/fuzz.sh semantic-ids`), the
/// others while fixing it.
struct SemanticIDsFuzzTests {
    static let dataset = SyntheticData.make(users: 6, items: 10, clusters: 2, interactionsPerUser: 3, seed: 1)

    /// Writes `semantic_ids.tsv` (codes `i % kp`, `i % 2` for the data set's items) and,
    /// with `centroids`, an `msac.safetensors` with those primary centroids; returns the config.
    static func setUp(_ dir: TempDir, kp: Int, centroids: [Float]?, dim: Int = 2) throws -> TrainConfig {
        let ids = dataset.items.externalIDs
        let codes = SemanticIDs(primary: ids.indices.map { Int32($0 % kp) }, secondary: ids.indices.map { Int32($0 % 2) }, kp: kp, ks: 2)
        let tsv = dir.file("semantic_ids.tsv")
        try codes.writeTSV(itemIDs: ids, to: tsv)
        if let centroids {
            let primary = Matrix(rows: centroids.count / dim, cols: dim, values: centroids)
            let books = CascadedCodebooks(primary: primary, secondary: Matrix(rows: 2, cols: dim), modalityNames: ["behaviour"])
            try books.write(to: dir.file("msac.safetensors"))
        }
        var config = TrainConfig()
        config.sampler = .esans
        config.semanticIDs = tsv.path
        return config
    }

    static func make(_ config: TrainConfig) throws -> NegativeSampler {
        var notes: [String] = []
        return try SamplerFactory.make(config, context: SamplingContext(train: dataset.train), dataset: dataset, notes: &notes)
    }

    /// The fuzzer's finding: a NaN among the primary centroids made the easy-cluster weights
    /// NaN, and the alias table stopped the process on its precondition.
    @Test func nonFiniteCentroidsAreRefused() throws {
        let dir = TempDir()
        let config = try Self.setUp(dir, kp: 3, centroids: [0, 0, 1, .nan, 2, 2])
        let error = #expect(throws: DataError.self) { try Self.make(config) }
        #expect(error?.file == "msac.safetensors")
        #expect(error?.field == "primary_centroids")
        #expect(error?.message.contains("not finite") == true)
    }

    /// Finite centroids whose squared distances overflow to infinity: the same NaN weights.
    @Test func centroidsTooLargeForTheirDistancesAreRefused() throws {
        let dir = TempDir()
        let config = try Self.setUp(dir, kp: 3, centroids: [0, 0, 1e30, 1e30, -1e30, 0])
        let error = #expect(throws: DataError.self) { try Self.make(config) }
        #expect(error?.message.contains("too large") == true)
    }

    /// Primary codes beyond the centroids made the sampler read past the end of the distance
    /// matrix (no bounds check on `Matrix` subscripts).
    @Test func codesBeyondTheCentroidsAreRefused() throws {
        let dir = TempDir()
        let config = try Self.setUp(dir, kp: 4, centroids: [0, 0, 1, 1])
        let error = #expect(throws: DataError.self) { try Self.make(config) }
        // Item 2, on line 4, has the first code (2) beyond the 2 centroids.
        #expect(error?.line == 4 && error?.field == "2 (primary)", "\(String(describing: error))")
        #expect(error?.message.contains("primary code 2 is not below Kp 2") == true, "\(String(describing: error))")
    }

    /// A primary code of two billion asked the sampler for tables of its square.
    @Test func primaryCodeAboveTheItemCountIsRefusedNamingTheLine() throws {
        let dir = TempDir()
        let ids = Self.dataset.items.externalIDs
        let text = "item_id\tprimary\tsecondary\n" + ids.enumerated().map { "\($1)\t\($0 == 4 ? 2_000_000_000 : 0)\t0" }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: dir.file("semantic_ids.tsv"))
        let error = #expect(throws: DataError.self) { try MSACArtifact(ids: dir.file("semantic_ids.tsv")).codes(for: Self.dataset.items) }
        #expect(error?.line == 6)
        #expect(error?.field == "2 (primary)")
        #expect(error?.message.contains("not below the 10 items listed") == true)
    }

    /// Listed items that the data set lacks (an MSAC fit codes the whole catalogue) are
    /// skipped and counted in a note; the centroids beside the IDs weight the easy clusters.
    @Test func unmatchedItemsAreNoted() throws {
        let dir = TempDir()
        let ids = Self.dataset.items.externalIDs + ["catalogue-only"]
        let codes = SemanticIDs(primary: ids.indices.map { Int32($0 % 3) }, secondary: ids.indices.map { Int32($0 % 2) }, kp: 3, ks: 2)
        try codes.writeTSV(itemIDs: ids, to: dir.file("semantic_ids.tsv"))
        let books = CascadedCodebooks(primary: Matrix(rows: 3, cols: 2, values: [0, 0, 1, 0, 0, 1]), secondary: Matrix(rows: 2, cols: 2),
                                      modalityNames: ["behaviour"])
        try books.write(to: dir.file("msac.safetensors"))
        var config = TrainConfig()
        config.sampler = .esans
        config.semanticIDs = dir.file("semantic_ids.tsv").path
        var notes: [String] = []
        _ = try SamplerFactory.make(config, context: SamplingContext(train: Self.dataset.train), dataset: Self.dataset, notes: &notes)
        #expect(notes.contains { $0.contains("1 items of semantic_ids.tsv have no training interactions") }, "\(notes)")
        #expect(notes.contains { $0.contains("easy clusters weighted by primary-centroid distance from msac.safetensors") }, "\(notes)")
    }

    /// Files as `esans cluster` writes them still build the sampler.
    @Test func validFilesStillBuildTheSampler() throws {
        let dir = TempDir()
        let config = try Self.setUp(dir, kp: 3, centroids: [0, 0, 1, 0, 0, 1])
        #expect(try Self.make(config) is ESANSSampler)
    }
}
