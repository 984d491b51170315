import NumCore
import Clustering
import Codebooks

/// Refits MSAC's codebooks after one modality changed (`esans train --refresh-clusters`:
/// the behaviour modality becomes the item tower's output vectors), without starting over.
///
/// - ``align(_:onto:epochs:seed:)`` brings the new modality into the common space of the
///   others, whose aligned vectors stay fixed (their projections are frozen identities), with
///   the same symmetric InfoNCE as ``ModalityAlignment``.
/// - ``refit(aligned:available:names:previous:previousPrimary:previousSecondary:maxIterations:pool:)``
///   runs both k-means levels warm-started from the previous partition: each centroid starts
///   at the mean of its previous members in the new space (the previous centroid itself for
///   a cluster left without members, when the space kept its width), so cluster `j` after a
///   refresh continues cluster `j` before it, and codes can be compared item by item.
///   Nothing is drawn at random: the same inputs give the same codes.
public enum CodebookRefresh {
    /// Aligned, L2-normalised vectors of `modality` in the common space of `fixed` (aligned
    /// modalities, all of the same width): a projection trained for `epochs` (seeded by
    /// `seed`) against the frozen `fixed` vectors. Rows of items without the modality are zero.
    public static func align(_ modality: ModalityMatrix, onto fixed: [ModalityMatrix], epochs: Int, seed: UInt64) -> Matrix {
        precondition(!fixed.isEmpty, "nothing to align onto")
        let dim = fixed[0].dim
        precondition(fixed.allSatisfy { $0.dim == dim }, "fixed modalities of different widths")
        var config = ModalityAlignment.Config()
        config.dim = dim
        config.epochs = epochs
        config.seed = seed
        let all = fixed + [modality]
        let alignment = ModalityAlignment(modalities: all, config: config)
        for m in fixed.indices {
            let w = alignment.projections[m].weight.value
            w.fill(0)
            for i in 0..<dim { w[i, i] = 1 }
            alignment.projections[m].bias.value.fill(0)
        }
        if epochs > 0 { alignment.train(all, frozen: Set(fixed.indices)) }
        return alignment.project(modality, index: fixed.count)
    }

    /// Both codebooks refitted on `aligned` (one `n x d` matrix per modality, `available[m][i]`
    /// = item i has modality m, `names` for the residual blocks) from the codes `previous`
    /// (with `kp` and `ks` kept); `previousPrimary` / `previousSecondary` are the earlier
    /// centroids, used only for clusters that start without members.
    public static func refit(aligned: [Matrix], available: [[Bool]], names: [String], previous: SemanticIDs, previousPrimary: Matrix?,
                             previousSecondary: Matrix?, maxIterations: Int = 20, pool: WorkerPool = .shared) -> CascadedCodebooks.Fit {
        let fused = CascadedCodebooks.fuse(modalities: aligned, available: available)
        let first = KMeans(k: previous.kp, maxIterations: maxIterations).fit(fused, startingFrom: previous.primary, fallback: previousPrimary, pool: pool)
        let r = CascadedCodebooks.residuals(modalities: aligned, available: available, primaryCentroids: first.centroids, primary: first.assignments)
        let second = KMeans(k: previous.ks, maxIterations: maxIterations).fit(r, startingFrom: previous.secondary, fallback: previousSecondary, pool: pool)
        let codebooks = CascadedCodebooks(primary: first.centroids, secondary: second.centroids, modalityNames: names)
        return CascadedCodebooks.Fit(codebooks: codebooks, ids: SemanticIDs(primary: first.assignments, secondary: second.assignments, kp: previous.kp, ks: previous.ks),
                                     primaryObjective: first.objective, secondaryObjective: second.objective)
    }
}
