import Foundation
import NumCore
import Semantic
import Alignment
import Codebooks

/// A small, valid MSAC output directory as `esans cluster` writes it (`semantic_ids.tsv` and
/// its checksum, `msac.safetensors` with codebooks, codes, an alignment projection, the
/// fit-time vectors and the settings), for seeds.
public enum MSACFixture {
    /// Writes the output for `itemIDs` (codes `i % kp`, `i % ks`) into `directory`, with
    /// `modalities` aligned into `dim` dimensions; returns the two files' bytes.
    @discardableResult
    public static func write(to directory: URL, itemIDs: [String], kp: Int, ks: Int, dim: Int = 3,
                             modalities: [String] = ["text"], align: Bool = true) -> (tsv: [UInt8], model: [UInt8]) {
        let n = itemIDs.count
        func matrix(_ rows: Int, _ cols: Int, _ salt: Int) -> Matrix {
            Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { Float(($0 * 7 + salt) % 11) / 4 - 1 })
        }
        let books = CascadedCodebooks(primary: matrix(kp, dim, 1), secondary: matrix(ks, dim * modalities.count, 2), modalityNames: modalities)
        let ids = SemanticIDs(primary: (0..<n).map { Int32($0 % kp) }, secondary: (0..<n).map { Int32($0 % ks) }, kp: kp, ks: ks)
        let settings = MSACSettings(modalities: modalities, imports: [], images: nil, kp: kp, ks: ks, dim: dim, alignEpochs: 2, seed: 1,
                                    structuredFields: nil, data: "/data/x")
        var tensors: [(name: String, matrix: Matrix)] = []
        var flags: [(name: String, values: [Int32])] = []
        for (m, name) in modalities.enumerated() {
            if align { tensors += [("alignment.\(name).weight", matrix(dim + 1, dim, m)), ("alignment.\(name).bias", matrix(1, dim, m + 3))] }
            tensors.append(("items.\(name).aligned", matrix(n, dim, m + 5)))
            if MSACOutput.basisDependent.contains(name) { tensors.append(("items.\(name).raw", matrix(n, 2, m))) }
            flags.append(("items.\(name).present", (0..<n).map { Int32(($0 + m) % 3 == 0 ? 0 : 1) }))
        }
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let model = directory.appendingPathComponent(MSACArtifact.modelFile), tsv = directory.appendingPathComponent(MSACArtifact.idsFile)
        try! books.write(to: model, ids: ids, extraTensors: tensors, extraInt32: flags,
                         extraMetadata: ["esans.msac_config": settings.text, MSACArtifact.dataFingerprintKey: "0123456789abcdef"])
        try! ids.writeTSV(itemIDs: itemIDs, to: tsv)
        return ([UInt8](try! Data(contentsOf: tsv)), [UInt8](try! Data(contentsOf: model)))
    }
}
