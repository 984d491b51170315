import Foundation
import NumCore
import Datasets
import Semantic
import Clustering
import Codebooks

/// Where the lists of an ``IVFIndex`` come from.
public enum IVFBuilder {
    /// Lists from the MSAC primary codes in `msacDirectory` (`semantic_ids.tsv`, matched to the
    /// run's items by external id; `msac.safetensors` gives the codebook size).
    /// `dataFingerprint`, the run's, must match the one the MSAC output records (when both exist).
    /// - Throws: ``ServingError`` when the files are missing, damaged, fitted on other data,
    ///   or do not cover every item.
    public static func fromMSAC(_ msacDirectory: URL, items: Matrix, itemIDs: IDMap, dataFingerprint: String? = nil, defaultProbes: Int) throws -> IVFIndex {
        let codes = try primaryCodes(msacDirectory, itemIDs: itemIDs, dataFingerprint: dataFingerprint)
        return IVFIndex(items: items, assignments: codes.primary, lists: codes.kp, defaultProbes: defaultProbes)
    }

    /// The MSAC semantic IDs of the run's items, in item order.
    public static func primaryCodes(_ msacDirectory: URL, itemIDs: IDMap, dataFingerprint: String? = nil) throws -> SemanticIDs {
        do { return try readPrimaryCodes(msacDirectory, itemIDs: itemIDs, dataFingerprint: dataFingerprint) } catch let e as TensorIOError {
            throw ServingError(.badInput, e.description)
        }
    }

    private static func readPrimaryCodes(_ msacDirectory: URL, itemIDs: IDMap, dataFingerprint: String?) throws -> SemanticIDs {
        let tsv = msacDirectory.appendingPathComponent("semantic_ids.tsv")
        let st = msacDirectory.appendingPathComponent("msac.safetensors")
        for url in [tsv, st] where !FileManager.default.fileExists(atPath: url.path) {
            throw ServingError(.badInput, "\(url.path): not found; is \(msacDirectory.path) an `esans cluster` output?")
        }
        let header = try SafeTensorsFile.read(from: st)
        guard let kp = Int(header.metadata["kp"] ?? ""), let ks = Int(header.metadata["ks"] ?? ""), kp > 0, ks > 0 else {
            throw ServingError(.badInput, "\(st.path): metadata kp/ks missing")
        }
        if let fitted = header.metadata[MSACOutput.dataFingerprintKey], let dataFingerprint, fitted != dataFingerprint {
            throw ServingError(.badInput, "\(st.path) was built from a different dataset (fingerprint \(fitted), this data \(dataFingerprint)); "
                               + "cluster the run's data (same data and split options) or build the lists by k-means")
        }
        let (names, ids) = try SemanticIDs.readTSV(from: tsv, kp: kp, ks: ks)
        var primary = [Int32](repeating: -1, count: itemIDs.count)
        var secondary = [Int32](repeating: 0, count: itemIDs.count)
        for (j, name) in names.enumerated() {
            if let i = itemIDs.index(of: name) { primary[i] = ids.primary[j]; secondary[i] = ids.secondary[j] }
        }
        let missing = primary.filter { $0 < 0 }.count
        guard missing == 0 else {
            throw ServingError(.badInput, "\(tsv.path): \(missing) of the run's \(itemIDs.count) items have no semantic ID (was it clustered on the same data?)")
        }
        return SemanticIDs(primary: primary, secondary: secondary, kp: kp, ks: ks)
    }

    /// Lists from a fresh k-means (`lists` centres, seeded) over the item vectors.
    public static func fromKMeans(items: Matrix, lists: Int, iterations: Int = 20, seed: UInt64 = 1, defaultProbes: Int) -> IVFIndex {
        let lists = max(1, min(lists, items.rows))
        let fit = KMeans(k: lists, maxIterations: iterations, seed: seed).fit(items)
        return IVFIndex(items: items, assignments: fit.assignments, lists: lists, defaultProbes: defaultProbes)
    }
}
