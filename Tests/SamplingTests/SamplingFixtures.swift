import Datasets
import Codebooks
@testable import Sampling

// Fixtures shared by the sampler tests.

/// A training split of `lists.count` users over `numItems` items from explicit lists.
func makeContext(_ lists: [[Int32]], numItems: Int) -> SamplingContext {
    SamplingContext(train: Interactions(numUsers: lists.count, numItems: numItems, lists: lists))
}

/// Scores item i as `Float(i)` for every row: the hardest candidates are the largest ids.
struct IdentityScorer: CandidateScorer {
    func scores(candidates: [Int32], perRow: Int) -> [Float] { candidates.map { Float($0) } }
}

/// Semantic IDs from explicit codes, the codebook sizes the largest codes plus one.
func semanticIDs(_ primary: [Int32], _ secondary: [Int32]) -> SemanticIDs {
    SemanticIDs(primary: primary, secondary: secondary, kp: Int(primary.max() ?? 0) + 1, ks: Int(secondary.max() ?? 0) + 1)
}
