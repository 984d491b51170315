import Foundation
import Alignment
import NumCore
import Datasets
import Clustering
import Codebooks

/// Semantic IDs for the items of a dataset from an existing MSAC fit, without refitting
/// (`esans cluster assign`): each item's modality vectors are aligned with the saved
/// projections, fused, and coded by the nearest primary centroid, then the nearest secondary
/// centroid of its residual (ties: the lowest code), as ``CascadedCodebooks/assignNew(modalityVectors:)``.
///
/// Which vectors an item gets, per modality:
/// - an item of the fit, when the MSAC output holds the fit-time vectors: those (so
///   reassigning the fitted items sees exactly the points the codebooks were fitted on);
/// - otherwise the modality rebuilt on the new data and projected. A data-dependent modality
///   (``MSACOutput/basisDependent``: an SVD fitted on the data) is first rotated into the
///   fit's basis by ``OrthogonalProcrustes``, anchored on the items present in both, when the
///   output holds the fit-time raw vectors; without them (older outputs) it is used as rebuilt,
///   which matches the fit only if the data is the one it was fitted on.
///
/// Items of the fit keep their codes unless `reassignAll`; new items always get computed ones.
public struct SemanticIDAssignment: @unchecked Sendable {
    /// Output item ids: the dataset's items in index order, then the fitted items missing from
    /// the dataset (carried over with their codes).
    public let itemIDs: [String]
    /// Codes of `itemIDs`, as written to `semantic_ids.tsv`.
    public let ids: SemanticIDs
    /// Nearest-centroid codes of every dataset item (index order), whether kept or not.
    public let computed: SemanticIDs
    /// Dataset items that were not in the fit.
    public let newItems: [Int]
    /// Items of the fit present in the dataset that kept their codes (0 with `reassignAll`).
    public let kept: Int
    /// Items of the fit present in the dataset whose codes were recomputed (`reassignAll`).
    public let reassigned: Int
    /// Items of the fit missing from the dataset (carried over).
    public let carriedOver: Int
    /// Per modality: dataset items that have it, and new items that have it.
    public let presence: [(name: String, items: Int, newItems: Int)]
    /// Dataset items coded without any modality (their fused vector is zero, as in the fit).
    public let withoutModality: Int
    /// Per rotated modality: the anchor items and the relative residual of the rotation.
    public let rotations: [(name: String, anchors: Int, relativeError: Double)]
    /// The aligned vectors each dataset item was coded from, per modality, and their presence.
    public let aligned: [Matrix], available: [[Bool]]

    /// Codes the items `items` (the dataset's id map) from `modalities` (built on the dataset
    /// as ``MSACPipeline/buildModalities(dataset:items:itemFile:kgFile:linkFile:log:progress:)``
    /// does, in the output's modality order).
    /// - Throws: ``SemanticError`` when the modalities do not match the output's.
    public init(output: MSACOutput, modalities: [ModalityMatrix], items: IDMap, reassignAll: Bool, pool: WorkerPool = .shared) throws {
        let names = output.codebooks.modalityNames
        guard modalities.map(\.name) == names else {
            throw SemanticError(file: MSACArtifact.modelFile, item: "modalities",
                                problem: "the fit used \(names.joined(separator: ",")), the rebuilt modalities are \(modalities.map(\.name).joined(separator: ","))")
        }
        let n = items.count
        var fitRow = [String: Int](minimumCapacity: output.itemIDs.count)
        for (r, id) in output.itemIDs.enumerated() { fitRow[id] = r }
        let rowOf: [Int?] = items.externalIDs.map { fitRow[$0] }
        var aligned: [Matrix] = [], available: [[Bool]] = [], rotations: [(String, Int, Double)] = []
        for mod in modalities {
            var raw = mod
            let saved = output.saved[mod.name]
            if MSACOutput.basisDependent.contains(mod.name), let savedRaw = saved?.raw, savedRaw.cols == mod.dim {
                let pairs = (0..<n).compactMap { i in rowOf[i].flatMap { r in mod.present[i] && saved!.present[r] ? (i, r) : nil } }
                if pairs.count >= mod.dim {
                    let (r, err) = OrthogonalProcrustes.fit(source: mod.vectors, sourceRows: pairs.map(\.0), target: savedRaw, targetRows: pairs.map(\.1))
                    raw.vectors = OrthogonalProcrustes.apply(r, to: mod.vectors)
                    rotations.append((mod.name, pairs.count, err))
                }
            }
            let y = try output.project(raw)
            var present = raw.present
            if let saved {
                for i in 0..<n {
                    guard let r = rowOf[i] else { continue }
                    y.row(i).update(from: saved.aligned.row(r), count: y.cols)
                    present[i] = saved.present[r]
                }
            }
            aligned.append(y)
            available.append(present)
        }
        let books = output.codebooks
        let fused = CascadedCodebooks.fuse(modalities: aligned, available: available)
        let primary = KMeans.assign(fused, centroids: books.primary, pool: pool).assignments
        let residuals = CascadedCodebooks.residuals(modalities: aligned, available: available, primaryCentroids: books.primary, primary: primary)
        let secondary = KMeans.assign(residuals, centroids: books.secondary, pool: pool).assignments
        computed = SemanticIDs(primary: primary, secondary: secondary, kp: books.kp, ks: books.ks)

        var p = primary, s = secondary
        var kept = 0, reassigned = 0
        for i in 0..<n {
            guard let r = rowOf[i] else { continue }
            if reassignAll { reassigned += 1 } else { p[i] = output.ids.primary[r]; s[i] = output.ids.secondary[r]; kept += 1 }
        }
        let inData = Set(items.externalIDs)
        var ids = items.externalIDs
        for (r, id) in output.itemIDs.enumerated() where !inData.contains(id) {
            ids.append(id); p.append(output.ids.primary[r]); s.append(output.ids.secondary[r])
        }
        itemIDs = ids
        self.ids = SemanticIDs(primary: p, secondary: s, kp: books.kp, ks: books.ks)
        let fresh = (0..<n).filter { rowOf[$0] == nil }
        newItems = fresh
        self.kept = kept
        self.reassigned = reassigned
        carriedOver = ids.count - n
        presence = modalities.indices.map { m in
            (names[m], available[m].reduce(0) { $0 + ($1 ? 1 : 0) }, fresh.reduce(0) { $0 + (available[m][$1] ? 1 : 0) })
        }
        withoutModality = (0..<n).filter { i in !available.contains { $0[i] } }.count
        self.rotations = rotations
        self.aligned = aligned
        self.available = available
    }

    /// A few lines for the terminal: counts of new, kept, reassigned and carried-over items,
    /// per-modality presence, and the rotations applied.
    public var summary: [String] {
        var lines = ["items: \(newItems.count) new (coded now), \(kept) kept their codes, \(reassigned) recomputed, \(carriedOver) of the fit not in the data (carried over)"]
        for p in presence { lines.append("modality \(p.name): \(p.items) items (\(p.newItems) of the \(newItems.count) new)") }
        if withoutModality > 0 { lines.append("\(withoutModality) items have no modality at all (coded from a zero vector, as in the fit)") }
        for r in rotations {
            lines.append(String(format: "modality %@: rebuilt on this data and rotated into the fit's basis (%d anchor items, relative residual %.3f)", r.name, r.anchors, r.relativeError))
        }
        return lines
    }
}
