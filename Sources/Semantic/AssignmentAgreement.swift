import NumCore
import Alignment
import Codebooks

/// How well `esans cluster assign` codes items the codebooks never saw: a seeded share of the
/// catalogue is held out, the codebooks are fitted on the rest, the held-out items are assigned
/// by nearest centroid (``CascadedCodebooks/assignNew(modalityVectors:)``), and then the
/// codebooks are refitted on every item, warm-started from that partition
/// (``CodebookRefresh/refit(aligned:available:names:previous:previousPrimary:previousSecondary:maxIterations:pool:)``,
/// so that cluster numbers carry over). Agreement is the share of held-out items whose assigned
/// cell (primary, secondary) is the cell the refit gives them: the question is whether assigning
/// a new item is as good as refitting with it.
public struct AssignmentAgreement: Sendable, Equatable {
    /// Items held out of the fit and assigned.
    public var heldOut: Int
    /// Held-out items whose assigned cell equals their cell after the refit.
    public var sameCell: Int
    /// Held-out items whose assigned primary cluster equals their primary after the refit.
    public var samePrimary: Int
    /// Items of the fit (not held out) whose cell the refit changed: how much the refit moves
    /// by itself, beside the held-out items' disagreement.
    public var keptChangedCell: Int
    /// Items of the fit (not held out).
    public var kept: Int

    /// `sameCell / heldOut` (0 when nothing was held out).
    public var cellRate: Double { heldOut > 0 ? Double(sameCell) / Double(heldOut) : 0 }
    /// `samePrimary / heldOut` (0 when nothing was held out).
    public var primaryRate: Double { heldOut > 0 ? Double(samePrimary) / Double(heldOut) : 0 }

    /// Measures the agreement on the aligned modality vectors of a fit.
    /// - Parameters:
    ///   - aligned: one `n x d` matrix of aligned vectors per modality (all items of the catalogue).
    ///   - available: `available[m][i]` = item i has modality m; items with none are never held out.
    ///   - names: the modalities' names.
    ///   - kp, ks: codebook sizes (`kp` must not exceed the items kept for the fit).
    ///   - holdout: share of the items with a modality held out, in (0, 1).
    ///   - seed: picks the held-out items and seeds the fit's k-means.
    ///   - maxIterations: k-means iterations of the fit and of the refit (each stops earlier on convergence).
    public static func measure(aligned: [Matrix], available: [[Bool]], names: [String], kp: Int, ks: Int, holdout: Double,
                               seed: UInt64, maxIterations: Int = 20, pool: WorkerPool = .shared) -> AssignmentAgreement {
        precondition(!aligned.isEmpty && aligned.count == available.count && names.count == aligned.count, "one availability mask and name per modality")
        let n = aligned[0].rows, d = aligned[0].cols
        precondition(holdout > 0 && holdout < 1, "holdout must lie in (0, 1)")
        var candidates = (0..<n).filter { i in available.contains { $0[i] } }
        var rng = RandomSource(seed: seed).derived("assignment-holdout")
        rng.shuffle(&candidates)
        let count = Int((holdout * Double(candidates.count)).rounded())
        let heldOut = Array(candidates.prefix(count)).sorted()
        var isHeld = [Bool](repeating: false, count: n)
        for i in heldOut { isHeld[i] = true }
        let kept = (0..<n).filter { !isHeld[$0] }
        precondition(kp <= kept.count, "kp \(kp) exceeds the \(kept.count) items kept for the fit")

        // The fit on the kept items only.
        let sub = aligned.map { m -> Matrix in
            let s = Matrix(rows: kept.count, cols: d)
            for (r, i) in kept.enumerated() { s.row(r).update(from: m.row(i), count: d) }
            return s
        }
        let subAvailable = available.map { a in kept.map { a[$0] } }
        let fit = CascadedCodebooks.fit(fused: CascadedCodebooks.fuse(modalities: sub, available: subAvailable), modalities: sub,
                                        available: subAvailable, modalityNames: names, kp: kp, ks: ks, maxIterations: maxIterations, seed: seed, pool: pool)

        // Every item's starting cell: the fit's for the kept items, the assignment for the held-out ones.
        var primary = [Int32](repeating: 0, count: n), secondary = [Int32](repeating: 0, count: n)
        for (r, i) in kept.enumerated() { primary[i] = fit.ids.primary[r]; secondary[i] = fit.ids.secondary[r] }
        for i in heldOut {
            let vectors = aligned.indices.map { m in available[m][i] ? aligned[m].rowArray(i) : nil }
            (primary[i], secondary[i]) = fit.codebooks.assignNew(modalityVectors: vectors)
        }
        let assigned = SemanticIDs(primary: primary, secondary: secondary, kp: kp, ks: ks)
        let refit = CodebookRefresh.refit(aligned: aligned, available: available, names: names, previous: assigned,
                                          previousPrimary: fit.codebooks.primary, previousSecondary: fit.codebooks.secondary,
                                          maxIterations: maxIterations, pool: pool)
        var sameCell = 0, samePrimary = 0
        for i in heldOut {
            let p = refit.ids.primary[i] == primary[i]
            if p { samePrimary += 1 }
            if p && refit.ids.secondary[i] == secondary[i] { sameCell += 1 }
        }
        let keptChanged = kept.filter { refit.ids.primary[$0] != primary[$0] || refit.ids.secondary[$0] != secondary[$0] }.count
        return AssignmentAgreement(heldOut: heldOut.count, sameCell: sameCell, samePrimary: samePrimary, keptChangedCell: keptChanged, kept: kept.count)
    }
}
