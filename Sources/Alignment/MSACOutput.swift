import Foundation
import NumCore
import Models
import Codebooks

/// An MSAC output directory as `esans cluster` writes it, read back: the settings, the
/// codebooks, the alignment projections, the fitted items' codes and, for directories written
/// since `esans cluster assign` exists, every item's modality vectors at fit time. The files,
/// codebooks and codes are read and written by ``Codebooks/MSACArtifact``; this adds the parts
/// only MSAC uses.
///
/// Files: `semantic_ids.tsv` (the items, in fit order, with their codes) and
/// `msac.safetensors`: `primary_centroids`, `secondary_centroids`, `primary_codes`,
/// `secondary_codes`, `alignment.<modality>.weight|bias`, and per modality
/// `items.<modality>.aligned` (`n x dim`, rows in `semantic_ids.tsv` order),
/// `items.<modality>.present` (0/1), and for the data-dependent modalities (see
/// ``basisDependent``) `items.<modality>.raw`, the featuriser's output before alignment.
/// Metadata: the settings (`esans.msac_config`) and, since outputs record it, the fingerprint
/// of the data fitted on (`esans.data_fingerprint`). Both files carry checksums (the
/// safetensors metadata, `semantic_ids.tsv.xxh64`): a damaged or truncated file is refused.
public struct MSACOutput: @unchecked Sendable {
    /// The recorded settings.
    public let settings: MSACSettings
    /// The fitted codebooks.
    public let codebooks: CascadedCodebooks
    /// External ids of the fitted items, in fit order.
    public let itemIDs: [String]
    /// Codes of the fitted items (as in `semantic_ids.tsv`).
    public let ids: SemanticIDs
    /// The alignment projection of each modality; empty when the fit used its single
    /// modality as it was (no alignment).
    public let projections: [String: LinearLayer]
    /// Fit-time vectors per modality, when the file has them.
    public let saved: [String: SavedModality]
    /// The fingerprint of the data fitted on (``Datasets/Dataset/fingerprint``); `nil` for
    /// outputs written before it was recorded.
    public let dataFingerprint: String?

    /// One modality's vectors of the fitted items.
    public struct SavedModality: @unchecked Sendable {
        /// Aligned vectors, `n x dim` (zero rows where absent).
        public let aligned: Matrix
        /// Whether each fitted item had the modality.
        public let present: [Bool]
        /// The featuriser's output (data-dependent modalities only).
        public let raw: Matrix?
    }

    /// Modalities whose vectors live in a basis fitted on the data (an SVD), so vectors
    /// computed on other data are comparable only after a change of basis.
    public static let basisDependent: Set<String> = ["behaviour", "structured"]

    /// Reads `directory`.
    /// - Throws: ``NumCore/ModelFileError`` / ``TensorIOError`` naming the file and the tensor or line at fault.
    public init(directory: URL) throws {
        let url = directory.appendingPathComponent(MSACArtifact.modelFile)
        let missing = ModelFileError(file: url.path, item: nil, problem: "no such file (an MSAC output directory written by `esans cluster` has one)")
        guard FileManager.default.fileExists(atPath: url.path) else { throw missing }
        let artifact = try MSACArtifact(directory: directory)
        guard let model = artifact.model else { throw missing }
        let file = model.file
        guard let configText = file.metadata["esans.msac_config"] else {
            throw ModelFileError(file: url.lastPathComponent, item: "esans.msac_config", problem: "metadata missing (not written by `esans cluster`)")
        }
        settings = try MSACSettings.parse(configText, file: url.lastPathComponent)
        dataFingerprint = model.dataFingerprint
        let books = model.codebooks
        codebooks = books
        guard books.modalityNames == settings.modalityOrder else {
            throw ModelFileError(file: url.lastPathComponent, item: "modalities",
                                problem: "codebooks list \(books.modalityNames.joined(separator: ",")) but the settings \(settings.modalityOrder.joined(separator: ","))")
        }
        let tsv = artifact.idsURL
        (itemIDs, ids) = (artifact.itemIDs, artifact.ids)
        if let fitted = model.fittedIDs, fitted != ids {
            throw ModelFileError(file: tsv.lastPathComponent, item: nil, problem: "codes differ from primary_codes/secondary_codes of \(MSACArtifact.modelFile)")
        }
        var layers: [String: LinearLayer] = [:], saved: [String: SavedModality] = [:]
        for name in books.modalityNames {
            if file.shape(of: "alignment.\(name).weight") != nil {
                let w = try file.matrix("alignment.\(name).weight"), b = try file.matrix("alignment.\(name).bias")
                guard w.cols == books.dimension, b.cols == w.cols, b.rows == 1 else {
                    throw ModelFileError(file: url.lastPathComponent, item: "alignment.\(name).weight",
                                        problem: "shape \(w.rows)x\(w.cols) (bias \(b.rows)x\(b.cols)) does not project into \(books.dimension) dimensions")
                }
                var rng = RandomSource(seed: 0)
                let layer = LinearLayer(name: "align.\(name)", inputs: w.rows, outputs: w.cols, rng: &rng)
                layer.weight.value.data.update(from: w.data, count: w.count)
                layer.bias.value.data.update(from: b.data, count: b.count)
                layers[name] = layer
            }
            guard file.shape(of: "items.\(name).aligned") != nil else { continue }
            let aligned = try file.matrix("items.\(name).aligned")
            let present = try file.int32s("items.\(name).present").map { $0 != 0 }
            let raw = file.shape(of: "items.\(name).raw") != nil ? try file.matrix("items.\(name).raw") : nil
            let count = itemIDs.count
            guard aligned.rows == count, aligned.cols == books.dimension, present.count == count, raw.map({ $0.rows == count }) ?? true else {
                throw ModelFileError(file: url.lastPathComponent, item: "items.\(name).aligned",
                                    problem: "\(aligned.rows)x\(aligned.cols) vectors, \(present.count) flags for \(count) items of \(MSACArtifact.idsFile) in \(books.dimension) dimensions")
            }
            saved[name] = SavedModality(aligned: aligned, present: present, raw: raw)
        }
        if !layers.isEmpty && layers.count != books.modalityNames.count {
            throw ModelFileError(file: url.lastPathComponent, item: "alignment", problem: "projections for \(layers.keys.sorted().joined(separator: ",")) only")
        }
        projections = layers
        self.saved = saved
    }

    /// Aligned, L2-normalised vectors of `modality` (zero rows where absent), as
    /// ``ModalityAlignment/project(_:index:)`` computes them, with the saved projection; the
    /// vectors as they are when the fit had no alignment.
    /// - Throws: ``NumCore/ModelFileError`` when the modality's width does not fit the projection.
    public func project(_ modality: ModalityMatrix) throws -> Matrix {
        guard let layer = projections[modality.name] else {
            guard modality.dim == codebooks.dimension else {
                throw ModelFileError(file: MSACArtifact.modelFile, item: modality.name, problem: "\(modality.dim)-d vectors but no alignment projection into \(codebooks.dimension) dimensions")
            }
            return modality.vectors.copy()
        }
        guard layer.inputs == modality.dim else {
            throw ModelFileError(file: MSACArtifact.modelFile, item: "alignment.\(modality.name).weight", problem: "projects \(layer.inputs)-d vectors, the modality has \(modality.dim)")
        }
        let n = modality.numItems, d = codebooks.dimension
        let h = Matrix(rows: n, cols: d), y = Matrix(rows: n, cols: d)
        var norms: [Float] = []
        layer.forward(modality.vectors, rows: n, into: h)
        L2NormalizeLayer.forward(h, rows: n, into: y, norms: &norms)
        for i in 0..<n where !modality.present[i] { y.row(i).update(repeating: 0, count: d) }
        return y
    }
}
