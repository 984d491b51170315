import NumCore
import Runs
import Datasets

/// Adds a uniform pool shared by the batch to another sampler's negatives, so that samplers
/// built around per-positive candidates (DNS, MixGCF) get the same real-negative budget as the
/// others in the `production` regime (a shared pool plus per-positive negatives).
public final class SharedPoolSampler: NegativeSampler {
    public var kind: SamplerKind { inner.kind }
    public var needsScorer: Bool { inner.needsScorer }
    private let inner: NegativeSampler
    private let sharedPool: UniformSampler

    /// `inner` plus `shared` uniform negatives per batch.
    public init(_ inner: NegativeSampler, context: SamplingContext, shared: Int) {
        self.inner = inner
        sharedPool = UniformSampler(context: context, shared: shared, perPositive: 0)
    }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        var out = inner.sample(batch, scorer: scorer, pool: pool, rng: &rng)
        precondition(out.shared.isEmpty, "SharedPoolSampler wraps samplers without a shared pool of their own")
        // The pool is uniform, so its logQ is a constant and is left out, as in UNS.
        out.shared = sharedPool.sample(batch, scorer: nil, pool: pool, rng: &rng).shared
        return out
    }
}
