import ArgumentParser
import Foundation
import Datasets
import Semantic
import Alignment
import Codebooks

/// `esans cluster assign`: semantic IDs for a dataset's items from an existing MSAC fit.
struct ClusterAssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Give items semantic IDs from an existing MSAC output directory, without refitting.",
        discussion: """
        Rebuilds each item's modality vectors as `esans cluster` did (the modalities and settings recorded in \
        DIR/msac.safetensors; the split uses the fit's seed), aligns them with the saved projections and codes \
        each item by its nearest primary centroid, then the nearest secondary centroid of its residual. Items \
        of the fit keep their IDs unless --reassign-all; items of the data not in DIR/semantic_ids.tsv get new \
        ones (items without training interactions too, from the modalities they have: test-only items and \
        items listed only in the .item file), and items of the fit missing from the data are carried over. Behaviour and structured vectors \
        rebuilt on other data are rotated into the fit's basis (orthogonal Procrustes on the items both share) \
        when DIR holds the fit-time vectors (outputs of this version on). Writes --output atomically, in the \
        semantic_ids.tsv format. To train with it, put it beside a copy of DIR/msac.safetensors (easy clusters \
        are weighted by centroid distance from that file).
        """)

    @Option(help: ArgumentHelp("The MSAC output directory (semantic_ids.tsv, msac.safetensors) written by `esans cluster`.", valueName: "dir"))
    var msac: String
    @OptionGroup var dataOptions: DataOptions
    @Option(help: ArgumentHelp("Visual modality: the image SPEC (default: the one recorded in DIR).", valueName: "spec"))
    var images: String?
    @Option(name: .customLong("import"), help: "Imported modality NAME=FILE (default: the file recorded in DIR); repeatable.")
    var imports: [String] = []
    @Flag(help: "Recompute the IDs of the items of the fit too (default: they keep theirs).") var reassignAll = false
    @Option(help: ArgumentHelp("Output file (semantic_ids.tsv format).", valueName: "file")) var output: String

    func validate() throws { try dataOptions.requireData() }

    func run() throws {
        let dir = URL(fileURLWithPath: msac)
        let outURL = URL(fileURLWithPath: output).standardizedFileURL
        if outURL == dir.appendingPathComponent(MSACArtifact.idsFile).standardizedFileURL {
            throw ValidationError("--output would replace \(MSACArtifact.idsFile) of the fit in --msac; write elsewhere")
        }
        let fit = try MSACOutput(directory: dir)
        let s = fit.settings
        let given = try Dictionary(imports.map { spec -> (String, String) in
            let p = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard p.count == 2, !p[0].isEmpty, !p[1].isEmpty else { throw ValidationError("--import expects NAME=FILE, got '\(spec)'") }
            return (p[0], p[1])
        }, uniquingKeysWith: { _, b in b })
        var c = MSACPipeline.Config()
        c.modalities = s.modalities
        c.imports = try s.imports.map { imp in
            guard let path = given[imp.name] ?? imp.path else {
                throw ValidationError("the fit imported modality '\(imp.name)' from a file it did not record: give it with --import \(imp.name)=FILE")
            }
            return (imp.name, path)
        }
        c.images = (images ?? s.images).map { URL(fileURLWithPath: $0) }
        if s.modalities.contains("visual") { try VisualFeatures.requireAvailable() }
        c.dim = s.dim; c.kp = s.kp; c.ks = s.ks; c.alignEpochs = s.alignEpochs; c.seed = s.seed
        let source = try dataOptions.source()
        let ds = try MSACFit.loadDataset(source, seed: s.seed)
        let side = msacSideFiles(source.path)
        let itemFields = side.item.flatMap { try? AtomicTable.readHeader(path: $0.path).map(\.name) } ?? []
        c.structuredFields = s.structuredFields ?? ["class", "genre"].filter(itemFields.contains)
        print("data: \(ds.name): \(ds.numUsers) users, \(ds.numItems) items, \(ds.train.count) train interactions")
        print("fit: \(msac): \(fit.itemIDs.count) items, modalities \(fit.codebooks.modalityNames.joined(separator: ",")), Kp \(s.kp), Ks \(s.ks), dim \(s.dim)" +
              (fit.saved.isEmpty ? " (no fit-time vectors saved: every modality is rebuilt)" : ""))
        let bars = StageProgress()
        // The catalogue: the dataset's items, then the items it names without training
        // interactions (test-only, or only in the .item file) that have a modality.
        let catalogue = try ItemCatalogue(dataset: ds, itemFile: side.item)
        let built = try MSACPipeline(config: c).buildModalities(dataset: ds, items: catalogue.items, itemFile: side.item, kgFile: side.kg, linkFile: side.link,
                                                                log: { print($0) }, progress: bars.msac)
        let (coded, mods, uncoded) = catalogue.restricted(built)
        let result = try SemanticIDAssignment(output: fit, modalities: mods, items: coded.items, reassignAll: reassignAll)
        for line in result.summary { print(line) }
        for line in ModalityCoverage(modalities: mods, datasetItems: coded.datasetItems, uncoded: uncoded).lines { print(line) }
        try result.ids.writeTSV(itemIDs: result.itemIDs, to: outURL)
        print("wrote \(outURL.path) (\(result.itemIDs.count) items)")
    }
}
