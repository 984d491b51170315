import ArgumentParser
import Foundation
import NumCore
import Datasets
import Semantic

/// `esans cluster`: fit MSAC (the default) or code items with an existing fit.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "MSAC semantic IDs for ESANS: fit the codebooks (default), or assign items to an existing fit.",
        subcommands: [ClusterFitCommand.self, ClusterAssignCommand.self],
        defaultSubcommand: ClusterFitCommand.self)
}

/// `esans cluster [fit]`: build the modalities, align them, fit the cascaded codebooks.
struct ClusterFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "MSAC: build item modalities, align them, and fit cascaded codebooks (semantic IDs for ESANS).",
        discussion: """
        Writes OUTPUT/semantic_ids.tsv (item_id, primary, secondary), OUTPUT/msac.safetensors (codebooks, \
        item codes, one alignment projection per modality, configuration), OUTPUT/report.md and \
        OUTPUT/cluster_sizes.svg; msac.safetensors also keeps every item's modality vectors, which \
        `esans cluster assign` and `esans train --refresh-clusters` use. Use the same data and split options as `esans train`: the behaviour \
        modality is computed from the training split only. Every item of the catalogue with a modality gets an ID: the items \
        with training interactions, and those without (only in the test split, or only in the .item file) from the modalities \
        they have (text, structured, visual, imported); the report says how many items were coded from which modalities. The text modality needs `esans data fetch minilm`; \
        the visual modality needs `esans data fetch efficientnet-lite0`, libjpeg, and --images: a folder with \
        posters.tsv (movie_id, title, file; items join on movie_id or on the normalised title) or a folder of \
        <item_id>.jpg files. Image features are cached under the esans cache (features/), never in OUTPUT.
        """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Modalities: any of visual, text, structured, behaviour (comma-separated).") var modalities = "behaviour"
    @Option(help: ArgumentHelp("Visual modality: images of the items, a folder with posters.tsv or of <item_id>.jpg files.", valueName: "spec"))
    var images: String?
    @Option(name: .customLong("import"), help: "Imported modality NAME=FILE (.npy with FILE.ids or ids.txt beside it, or .csv); repeatable.")
    var imports: [String] = []
    @Option(help: "Primary codebook size.") var kp = MSACPipeline.Config().kp
    @Option(help: "Secondary codebook size.") var ks = MSACPipeline.Config().ks
    @Option(help: "Common (aligned) dimension.") var dim = MSACPipeline.Config().dim
    @Option(help: "Alignment epochs.") var alignEpochs = MSACPipeline.Config().alignEpochs
    @Option(help: "Structured modality: .item fields to use (comma-separated; default: class,genre when present).") var structuredFields: String?
    @Option(help: "Label field of the .item file for NMI/purity (default: class or genre when present).") var labelField: String?
    @Option(help: "Random seed (also the split seed).") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Leave out of the fit the validation share that `esans train --validation F --seed S` carves (same F and seed), so the clusters never see the pairs a run selects on; 0 fits on all training data.", valueName: "F"))
    var validation: Double = 0
    @Option(help: "Output directory.") var output: String

    func validate() throws { try dataOptions.requireData() }

    func run() throws {
        let chosen = modalities.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if chosen.contains("visual") {
            guard let images else {
                throw ValidationError("the visual modality needs --images SPEC (a folder with posters.tsv, or a folder of <item_id>.jpg files)")
            }
            guard FileManager.default.fileExists(atPath: images) else { throw ValidationError("--images: no such file or folder: \(images)") }
            try VisualFeatures.requireAvailable()
        } else if images != nil {
            throw ValidationError("--images is used only by the visual modality; add visual to --modalities")
        }
        guard (0..<1).contains(validation) else { throw ValidationError("--validation must lie in [0, 1), got \(validation)") }
        let source = try dataOptions.source()
        let ds = try MSACFit.loadDataset(source, seed: seed, validation: validation)
        let side = msacSideFiles(source.path)
        let itemFields = side.item.flatMap { try? AtomicTable.readHeader(path: $0.path).map(\.name) } ?? []
        var c = MSACPipeline.Config()
        c.modalities = chosen
        c.images = images.map { URL(fileURLWithPath: $0) }
        c.imports = try imports.map { spec in
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("--import expects NAME=FILE, got '\(spec)'") }
            return (parts[0], parts[1])
        }
        c.kp = kp; c.ks = ks; c.dim = dim; c.alignEpochs = alignEpochs; c.seed = seed
        c.structuredFields = structuredFields.map { $0.split(separator: ",").map(String.init) } ?? ["class", "genre"].filter(itemFields.contains)
        c.labelField = labelField ?? ["class", "genre"].first(where: itemFields.contains)
        guard kp > 1, ks > 0, dim > 0 else { throw ValidationError("--kp must be > 1, --ks and --dim > 0") }

        // More primary clusters than items leaves clusters empty: refuse it rather than write them.
        guard kp <= ds.numItems else {
            throw ValidationError("--kp \(kp) exceeds the \(ds.numItems) items of \(ds.name): at most one primary cluster per item (about the square root of the item count, \(Int(Double(ds.numItems).squareRoot())), is a usual start)")
        }
        if ds.numItems < 4 * kp {
            printErr("warning: --kp \(kp) gives fewer than 4 items per primary cluster on average (\(ds.numItems) items); hard negatives need other items in the positive's primary cluster")
        }
        print("data: \(ds.name): \(ds.numUsers) users, \(ds.numItems) items, \(ds.train.count) train interactions" +
              (validation > 0 ? " (\(ds.validation?.count ?? 0) validation pairs left out of the fit)" : "") +
              (ds.itemsWithoutTraining.isEmpty ? "" : ", \(ds.itemsWithoutTraining.count) items without training interactions"))
        let bars = StageProgress()
        let out = URL(fileURLWithPath: output)
        let fit = MSACFit(source: source, seed: seed, config: c, images: images)
        let (_, md) = try fit.run(dataset: ds, output: out, log: { print($0) }, progress: bars.msac)
        print("\n" + md)
        print("wrote \(out.path)/{semantic_ids.tsv, msac.safetensors, report.md, cluster_sizes.svg}")
    }
}
