import Foundation
import Runs
import Codebooks

extension SamplerFactory {
    /// Reads the semantic IDs a run configured as `config` would train with and matches them
    /// to its data, as the run does when it starts: a file that cannot be read, or that leaves
    /// items of the data without an ID, fails here (naming the file), so that an experiment
    /// refuses it before it trains any other run. Nothing to check for a sampler without
    /// semantic IDs, or without a file named (the run itself then says what is missing).
    public static func checkSemanticIDs(_ config: RunConfig) throws {
        guard config.training.sampler.needsSemanticIDs, let path = config.training.semanticIDs else { return }
        let dataset = try config.loadDataset()
        _ = try MSACArtifact(ids: URL(fileURLWithPath: path)).codes(for: dataset.items)
    }
}
