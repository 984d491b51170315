import Foundation
import NumCore
import Codebooks
import Alignment

extension MSACOutput {
    /// Writes an MSAC output into `directory` through ``Codebooks/MSACArtifact/write(codebooks:ids:itemIDs:dataFingerprint:extraTensors:extraInt32:extraMetadata:to:)``
    /// (`msac.safetensors`, then `semantic_ids.tsv`, each atomically and with its checksum; an
    /// earlier TSV removed first): the codebooks and codes, the settings, the data's fingerprint
    /// when given, the projections and every modality's item vectors.
    public static func write(_ result: MSACPipeline.Result, settings: MSACSettings, itemIDs: [String], dataFingerprint: String? = nil,
                             to directory: URL) throws {
        var tensors: [(name: String, matrix: Matrix)] = []
        if let al = result.alignment {
            for (name, layer) in zip(al.names, al.projections) {
                tensors += [("alignment.\(name).weight", layer.weight.value), ("alignment.\(name).bias", layer.bias.value)]
            }
        }
        for (m, mod) in result.modalities.enumerated() {
            tensors.append(("items.\(mod.name).aligned", result.aligned[m]))
            if basisDependent.contains(mod.name) { tensors.append(("items.\(mod.name).raw", mod.vectors)) }
        }
        try MSACArtifact.write(codebooks: result.fit.codebooks, ids: result.fit.ids, itemIDs: itemIDs, dataFingerprint: dataFingerprint,
                               extraTensors: tensors,
                               extraInt32: result.modalities.map { ("items.\($0.name).present", $0.present.map { $0 ? 1 : 0 }) },
                               extraMetadata: ["esans.msac_config": settings.text], to: directory)
    }
}
