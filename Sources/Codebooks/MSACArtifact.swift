import Foundation
import NumCore
import Datasets

/// The output of an MSAC fit (`esans cluster`) as every part of esans reads it: the items'
/// semantic IDs (`semantic_ids.tsv`) and the codebooks they index (`msac.safetensors`), with
/// the fingerprint of the data fitted on. The negative sampler, cluster refreshes, IVF lists
/// and `esans cluster` all read and write it here; Semantic's `MSACOutput` adds what only MSAC
/// uses (settings, alignment projections, fit-time item vectors) from the same model file.
///
/// Semantic IDs may come without codebooks: a `semantic_ids.tsv` (or an `esans cluster assign`
/// output) with no `msac.safetensors` beside it. Their code ranges are then the largest codes
/// plus one, and a primary code must be below the number of items listed (see
/// ``SemanticIDs/readTSV(from:kp:ks:)``).
public struct MSACArtifact: @unchecked Sendable {
    /// File names inside an output directory.
    public static let idsFile = "semantic_ids.tsv", modelFile = "msac.safetensors"
    /// Metadata key of the data's fingerprint (``Datasets/Dataset/fingerprint``) in `msac.safetensors`.
    public static let dataFingerprintKey = "esans.data_fingerprint"

    /// The semantic IDs file read.
    public let idsURL: URL
    /// External ids of the listed items, in file order.
    public let itemIDs: [String]
    /// Their codes (code ranges those of the codebooks, when there are any).
    public let ids: SemanticIDs
    /// The model file beside the IDs, when there is one.
    public let model: Model?

    /// `msac.safetensors` as read.
    public struct Model: @unchecked Sendable {
        /// Where it was read from.
        public let url: URL
        /// The whole file: `MSACOutput` reads the settings, projections and item vectors from it.
        public let file: SafeTensorsFile
        /// The two codebooks.
        public let codebooks: CascadedCodebooks
        /// The codes the fit stored beside its codebooks (`primary_codes`, `secondary_codes`:
        /// its items in `semantic_ids.tsv` order), when it stored them.
        public let fittedIDs: SemanticIDs?
        /// The fingerprint of the data fitted on; `nil` for outputs written before it was recorded.
        public var dataFingerprint: String? { file.metadata[MSACArtifact.dataFingerprintKey] }
    }

    /// Reads the semantic IDs at `idsURL` and, when it exists, the `msac.safetensors` beside them
    /// (whose codebook sizes then bound the codes).
    /// - Throws: ``NumCore/TensorIOError`` for an unreadable, damaged or foreign file,
    ///   ``Datasets/DataError`` naming the line of a malformed or out-of-range code.
    public init(ids idsURL: URL) throws {
        let modelURL = idsURL.deletingLastPathComponent().appendingPathComponent(Self.modelFile)
        try self.init(ids: idsURL, model: FileManager.default.fileExists(atPath: modelURL.path) ? modelURL : nil)
    }

    /// Reads the output directory `directory`, which must hold both files.
    /// - Throws: ``NumCore/TensorIOError`` naming a missing file, and as ``init(ids:)``.
    public init(directory: URL) throws {
        let ids = directory.appendingPathComponent(Self.idsFile), model = directory.appendingPathComponent(Self.modelFile)
        for url in [ids, model] where !FileManager.default.fileExists(atPath: url.path) {
            throw TensorIOError(file: url.path, problem: "not found; is \(directory.path) an `esans cluster` output?")
        }
        try self.init(ids: ids, model: model)
    }

    private init(ids idsURL: URL, model modelURL: URL?) throws {
        var model: Model? = nil
        if let modelURL {
            let file = try SafeTensorsFile.read(from: modelURL)
            let (codebooks, fitted) = try CascadedCodebooks.read(file, from: modelURL)
            model = Model(url: modelURL, file: file, codebooks: codebooks, fittedIDs: fitted)
        }
        (itemIDs, ids) = try SemanticIDs.readTSV(from: idsURL, kp: model?.codebooks.kp, ks: model?.codebooks.ks)
        self.idsURL = idsURL
        self.model = model
    }

    /// The codes of a dataset's items, matched by external id (the last line naming an item
    /// wins). The code ranges are the codebooks' or, without codebooks, the largest matched
    /// codes plus one.
    /// - Returns: the codes in item order, and how many listed ids are not among `items` (an
    ///   MSAC fit also codes the items without training interactions).
    /// - Throws: ``Datasets/DataError`` naming the IDs file when an item has no semantic ID.
    public func codes(for items: IDMap) throws -> (ids: SemanticIDs, unmatched: Int) {
        var primary = [Int32](repeating: -1, count: items.count), secondary = [Int32](repeating: -1, count: items.count)
        var unmatched = 0
        for (j, name) in itemIDs.enumerated() {
            guard let i = items.index(of: name) else { unmatched += 1; continue }
            primary[i] = ids.primary[j]
            secondary[i] = ids.secondary[j]
        }
        let missing = primary.indices.filter { primary[$0] < 0 }
        guard missing.isEmpty else {
            throw DataError(file: idsURL.path, message: "\(missing.count) items of the dataset have no semantic ID (first: "
                            + "\(missing.prefix(5).map { items.externalIDs[$0] }.joined(separator: ", "))); were they clustered on the same data?")
        }
        let kp = model?.codebooks.kp ?? Int(primary.max() ?? 0) + 1, ks = model?.codebooks.ks ?? Int(secondary.max() ?? 0) + 1
        return (SemanticIDs(primary: primary, secondary: secondary, kp: kp, ks: ks), unmatched)
    }

    /// Squared Euclidean distances between the primary centroids (`Kp x Kp`), which weight the
    /// ESANS sampler's easy clusters; `nil` without codebooks.
    /// - Throws: ``Datasets/DataError`` naming `msac.safetensors` when a distance is not finite
    ///   (the centroids are damaged).
    public func primaryCentroidDistances() throws -> Matrix? {
        guard let model else { return nil }
        let d = CascadedCodebooks.squaredDistances(model.codebooks.primary)
        guard d.allFinite else {
            throw DataError(file: model.url.lastPathComponent, field: "primary_centroids",
                            message: "centroids that are not finite or too large for their squared distances; the file is damaged")
        }
        return d
    }

    /// Writes an MSAC output into `directory`: `msac.safetensors` (the codebooks, the codes,
    /// the data's fingerprint when given, and the caller's extra tensors and metadata), then
    /// `semantic_ids.tsv` (`itemIDs[i]` names item i) with its checksum, each atomically.
    /// An earlier `semantic_ids.tsv` and its checksum are removed first, so the two files
    /// always belong to one fit: a writer stopped midway leaves at worst no TSV (until the fit
    /// is written again), never one fit's semantic IDs beside another's model or checksum.
    public static func write(codebooks: CascadedCodebooks, ids: SemanticIDs, itemIDs: [String], dataFingerprint: String? = nil,
                             extraTensors: [(name: String, matrix: Matrix)] = [], extraInt32: [(name: String, values: [Int32])] = [],
                             extraMetadata: [String: String] = [:], to directory: URL) throws {
        let tsv = directory.appendingPathComponent(idsFile)
        for url in [ChecksumSidecar.url(for: tsv), tsv] where FileManager.default.fileExists(atPath: url.path) {
            do { try FileManager.default.removeItem(at: url) } catch {
                throw TensorIOError(url: url, problem: "cannot remove the file of the earlier fit: \(FileErrorReason.text(error))")
            }
        }
        var metadata = extraMetadata
        if let dataFingerprint { metadata[dataFingerprintKey] = dataFingerprint }
        try codebooks.write(to: directory.appendingPathComponent(modelFile), ids: ids, extraTensors: extraTensors,
                            extraInt32: extraInt32, extraMetadata: metadata)
        try ids.writeTSV(itemIDs: itemIDs, to: tsv)
    }
}
