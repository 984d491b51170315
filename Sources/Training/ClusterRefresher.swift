import Foundation
import Runs
import NumCore
import Datasets
import Sampling
import Alignment
import Codebooks

/// What one cluster refresh did (a line of output and keys of the epoch's metrics entry).
public struct ClusterRefreshOutcome: Sendable {
    /// The epoch after which the clusters were refreshed.
    public var epoch: Int
    /// Wall-clock seconds of the refresh (item vectors, alignment, both k-means).
    public var seconds: Double
    /// Items whose cell (primary, secondary) changed, and whose primary cluster changed.
    public var itemsChangedCell: Int, itemsChangedPrimary: Int
    /// k-means objectives of the refitted codebooks.
    public var primaryObjective: Double, secondaryObjective: Double
    /// Non-empty primary clusters and occupied cells after the refresh.
    public var primaryUsed: Int, occupiedCells: Int

    /// The keys of the epoch's entry in `metrics.json`.
    public var metrics: [String: Double] {
        ["cluster_refresh_seconds": seconds, "cluster_items_changed_cell": Double(itemsChangedCell),
         "cluster_items_changed_primary": Double(itemsChangedPrimary), "cluster_primary_objective": primaryObjective,
         "cluster_secondary_objective": secondaryObjective, "cluster_primary_used": Double(primaryUsed),
         "cluster_occupied_cells": Double(occupiedCells)]
    }
}

/// "Clusters that follow the model" (`--refresh-clusters N`): every N epochs the behaviour
/// modality is replaced by the item tower's output vectors, aligned into the common space of
/// the MSAC fit's other modalities when there are any (their fit-time vectors from
/// `msac.safetensors`, frozen; see ``CodebookRefresh/align(_:onto:epochs:seed:)``), and both
/// codebooks are refitted warm-started from the current clusters. The ESANS sampler is then
/// rebuilt on the new codes and primary centroids.
///
/// - Behaviour presence: items with at least one training interaction (the others' tower
///   vectors are their initialisation).
/// - Alone (no other modality), the tower vectors are clustered as they are.
/// - Determinism: the alignment is seeded from the run seed and the epoch; k-means draws
///   nothing. The current codes and primary centroids go into every checkpoint
///   (``state`` / ``restore(_:)``), so a resumed run continues from the same clusters.
/// - No refresh after the last epoch: no training would use it.
public final class ClusterRefresher {
    /// Refresh period in epochs.
    public let every: Int
    /// Current codes of every dataset item.
    public private(set) var ids: SemanticIDs
    /// Current primary (and secondary) centroids; nil before the first refresh without an MSAC file.
    public private(set) var primaryCentroids: Matrix?, secondaryCentroids: Matrix?
    private let fixed: [ModalityMatrix]
    private let names: [String]
    private let present: [Bool]
    private let alignEpochs: Int, seed: UInt64

    /// A refresher for the run `config` over `dataset`, starting from the codes of
    /// `config.semanticIDs`; the MSAC fit beside that file supplies the other modalities.
    /// - Throws: ``DataError`` for a run that cannot refresh (another sampler, random clusters,
    ///   no semantic IDs), ``NumCore/ModelFileError`` when the fit has other modalities but no saved
    ///   item vectors.
    public init(config: TrainConfig, dataset: Dataset) throws {
        guard config.sampler == .esans, !config.randomClusters, let path = config.semanticIDs else {
            throw DataError(file: "<options>", line: nil, field: "refresh-clusters",
                            message: "--refresh-clusters needs --sampler esans with --semantic-ids and without --random-clusters")
        }
        let artifact = try MSACArtifact(ids: URL(fileURLWithPath: path))
        every = config.refreshClusters
        seed = config.seed
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        let fit = artifact.model != nil ? try MSACOutput(directory: dir) : nil
        // Code ranges: the fit's codebooks, or without them the largest codes plus one.
        ids = try artifact.codes(for: dataset.items).ids
        primaryCentroids = fit?.codebooks.primary
        secondaryCentroids = fit?.codebooks.secondary
        alignEpochs = fit?.settings.alignEpochs ?? 0
        var others: [ModalityMatrix] = []
        if let fit {
            var rowOf = [String: Int](minimumCapacity: fit.itemIDs.count)
            for (r, id) in fit.itemIDs.enumerated() { rowOf[id] = r }
            for name in fit.codebooks.modalityNames where name != "behaviour" {
                guard let saved = fit.saved[name] else {
                    throw ModelFileError(file: dir.appendingPathComponent(MSACArtifact.modelFile).path, item: "items.\(name).aligned",
                                        problem: "no fit-time vectors of modality '\(name)' (written by an older `esans cluster`): fit again to refresh clusters, or train with --refresh-clusters 0")
                }
                let v = Matrix(rows: dataset.numItems, cols: saved.aligned.cols)
                var has = [Bool](repeating: false, count: dataset.numItems)
                for (i, id) in dataset.items.externalIDs.enumerated() {
                    guard let r = rowOf[id], saved.present[r] else { continue }
                    v.row(i).update(from: saved.aligned.row(r), count: v.cols)
                    has[i] = true
                }
                others.append(ModalityMatrix(name: name, vectors: v, present: has))
            }
        }
        fixed = others
        names = others.map(\.name) + ["behaviour"]
        var trained = [Bool](repeating: false, count: dataset.numItems)
        for i in dataset.train.items { trained[Int(i)] = true }
        present = trained
    }

    /// Whether the clusters are refreshed after 1-based `epoch` of a phase of `lastEpoch`
    /// epochs (never after the last).
    public func isDue(after epoch: Int, lastEpoch: Int) -> Bool {
        every > 0 && epoch % every == 0 && epoch < lastEpoch
    }

    /// Refreshes the clusters from `itemVectors` (the item tower's output for every item)
    /// after `epoch`.
    public func refresh(itemVectors: Matrix, epoch: Int, pool: WorkerPool = .shared) -> ClusterRefreshOutcome {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let behaviour = ModalityMatrix(name: "behaviour", vectors: itemVectors, present: present)
        var aligned = fixed.map(\.vectors), available = fixed.map(\.present)
        if fixed.isEmpty {
            aligned.append(itemVectors)
        } else {
            var stream = RandomSource(seed: seed).derived("cluster-refresh").derived(UInt64(epoch))
            let alignSeed = stream.next()
            aligned.append(CodebookRefresh.align(behaviour, onto: fixed, epochs: alignEpochs, seed: alignSeed))
        }
        available.append(present)
        let before = ids
        let fit = CodebookRefresh.refit(aligned: aligned, available: available, names: names, previous: before,
                                        previousPrimary: primaryCentroids, previousSecondary: secondaryCentroids, pool: pool)
        ids = fit.ids
        primaryCentroids = fit.codebooks.primary
        secondaryCentroids = fit.codebooks.secondary
        var cell = 0, primary = 0
        for i in 0..<ids.count {
            if ids.primary[i] != before.primary[i] { primary += 1; cell += 1 } else if ids.secondary[i] != before.secondary[i] { cell += 1 }
        }
        return ClusterRefreshOutcome(epoch: epoch, seconds: Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9,
                                     itemsChangedCell: cell, itemsChangedPrimary: primary, primaryObjective: fit.primaryObjective,
                                     secondaryObjective: fit.secondaryObjective, primaryUsed: ids.usedPrimaryCodes,
                                     occupiedCells: ids.occupiedCells)
    }

    /// The checkpoint extras that hold the current clusters (codes as exact floats).
    public var state: [String: [Float]] {
        var out = ["clusters.primary": ids.primary.map(Float.init), "clusters.secondary": ids.secondary.map(Float.init)]
        if let c = primaryCentroids { out["clusters.primary_centroids"] = c.array; out["clusters.primary_width"] = [Float(c.cols)] }
        if let c = secondaryCentroids { out["clusters.secondary_centroids"] = c.array; out["clusters.secondary_width"] = [Float(c.cols)] }
        return out
    }

    /// Restores the clusters saved by ``state``; returns false when `extras` hold none (a
    /// checkpoint from before the first refresh keeps the clusters it started from).
    /// - Throws: ``NumCore/ModelFileError`` when the saved codes do not fit the dataset or codebooks.
    @discardableResult
    public func restore(_ extras: [String: [Float]]) throws -> Bool {
        guard let p = extras["clusters.primary"], let s = extras["clusters.secondary"] else { return false }
        let primary = p.map { Int32($0) }, secondary = s.map { Int32($0) }
        guard primary.count == ids.count, secondary.count == ids.count,
              primary.allSatisfy({ $0 >= 0 && Int($0) < ids.kp }), secondary.allSatisfy({ $0 >= 0 && Int($0) < ids.ks }) else {
            throw ModelFileError(file: "checkpoint", item: "clusters.primary", problem: "\(primary.count) saved codes do not fit \(ids.count) items with Kp \(ids.kp), Ks \(ids.ks)")
        }
        ids = SemanticIDs(primary: primary, secondary: secondary, kp: ids.kp, ks: ids.ks)
        func centroids(_ name: String, rows: Int) -> Matrix? {
            guard let c = extras["clusters.\(name)_centroids"], let w = extras["clusters.\(name)_width"]?.first, Int(w) > 0, c.count == rows * Int(w) else { return nil }
            return Matrix(rows: rows, cols: Int(w), values: c)
        }
        primaryCentroids = centroids("primary", rows: ids.kp) ?? primaryCentroids
        secondaryCentroids = centroids("secondary", rows: ids.ks) ?? secondaryCentroids
        return true
    }

    /// The ESANS sampler for the current clusters (easy clusters weighted by the current
    /// primary-centroid distances).
    public func sampler(_ config: TrainConfig, context: SamplingContext) -> NegativeSampler {
        ESANSSampler(context: context, ids: ids,
                     centroidDistances: primaryCentroids.map(CascadedCodebooks.squaredDistances), config: config.esans,
                     sharedUniform: config.sharedNegatives, logQCorrection: config.logQCorrection,
                     logitScale: 1 / config.loss.resolvedTemperature)
    }
}
