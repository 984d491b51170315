import Foundation
import NumCore
import Datasets
import Clustering
import Codebooks

/// Where the lists of an ``IVFIndex`` come from.
public enum IVFBuilder {
    /// Lists from the MSAC primary codes in `msacDirectory` (`semantic_ids.tsv`, matched to the
    /// run's items by external id; `msac.safetensors` gives the codebook size, one list per code).
    /// `dataFingerprint`, the run's, must match the one the MSAC output records (when both exist).
    /// - Throws: ``ServingError`` when the files are missing, damaged, fitted on other data,
    ///   or do not cover every item.
    public static func fromMSAC(_ msacDirectory: URL, items: Matrix, itemIDs: IDMap, dataFingerprint: String? = nil, defaultProbes: Int) throws -> IVFIndex {
        let codes = try primaryCodes(msacDirectory, itemIDs: itemIDs, dataFingerprint: dataFingerprint)
        return IVFIndex(items: items, assignments: codes.primary, lists: codes.kp, defaultProbes: defaultProbes)
    }

    /// The MSAC semantic IDs of the run's items, in item order (read by ``Codebooks/MSACArtifact``).
    public static func primaryCodes(_ msacDirectory: URL, itemIDs: IDMap, dataFingerprint: String? = nil) throws -> SemanticIDs {
        do {
            let artifact = try MSACArtifact(directory: msacDirectory)
            if let model = artifact.model, let fitted = model.dataFingerprint, let dataFingerprint, fitted != dataFingerprint {
                throw ServingError(.badInput, "\(model.url.path) was built from a different dataset (fingerprint \(fitted), this data \(dataFingerprint)); "
                                   + "cluster the run's data (same data and split options) or build the lists by k-means")
            }
            return try artifact.codes(for: itemIDs).ids
        } catch let e as TensorIOError {
            throw ServingError(.badInput, e.description)
        } catch let e as DataError {
            throw ServingError(.badInput, e.description)
        }
    }

    /// Lists from a fresh k-means (`lists` centres, seeded) over the item vectors.
    public static func fromKMeans(items: Matrix, lists: Int, iterations: Int = 20, seed: UInt64 = 1, defaultProbes: Int) -> IVFIndex {
        let lists = max(1, min(lists, items.rows))
        let fit = KMeans(k: lists, maxIterations: iterations, seed: seed).fit(items)
        return IVFIndex(items: items, assignments: fit.assignments, lists: lists, defaultProbes: defaultProbes)
    }
}
