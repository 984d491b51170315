import Foundation
import NumCore
import Datasets
import Models
import Runs
import Semantic
import Alignment

/// One MSAC fit as `esans cluster` makes it, shared by `esans cluster` and the commands that
/// build semantic IDs themselves (`train`, `compare`, `sweep` with ESANS and no --semantic-ids).
struct MSACFit {
    /// The data source and the seed of its split (the run seed).
    var source: RunConfig.DataSource
    var seed: UInt64
    /// The pipeline settings.
    var config: MSACPipeline.Config
    /// The image SPEC as given (recorded in the settings).
    var images: String?

    /// The dataset `esans cluster` clusters: the training split of `source` with the split seed
    /// `seed` (the generated data set for `synthetic`). With `validation` > 0 the same share of
    /// each user's training items that `esans train --validation F --seed S` holds out is carved
    /// out first, so that the behaviour modality never sees the pairs a run selects on.
    static func loadDataset(_ source: RunConfig.DataSource, seed: UInt64, validation: Double = 0) throws -> Dataset {
        var training = TrainConfig()
        training.seed = seed
        training.validationFraction = validation
        return try RunConfig(data: source, model: ModelConfig(), training: training, optimizer: AdamOptimizer.Config()).loadDataset()
    }

    /// The settings recorded in `msac.safetensors`.
    var settings: MSACSettings {
        MSACSettings(modalities: config.modalities, imports: config.imports.map { ($0.name, $0.path) }, images: images, kp: config.kp, ks: config.ks,
                     dim: config.dim, alignEpochs: config.alignEpochs, seed: config.seed, structuredFields: config.structuredFields, data: source.path)
    }

    /// Runs MSAC on `dataset` and writes `output`: `semantic_ids.tsv`, `msac.safetensors`,
    /// `report.md` and `cluster_sizes.svg`, each atomically. Returns the result and the report.
    /// `progress` is told how far the long stages have got (see ``Semantic/MSACStage``).
    func run(dataset: Dataset, output: URL, log: @escaping (String) -> Void, progress: @escaping MSACProgress = { _, _, _ in })
        throws -> (result: MSACPipeline.Result, report: String) {
        let side = msacSideFiles(source.path)
        let t0 = Date()
        let result = try MSACPipeline(config: config).run(dataset: dataset, itemFile: side.item, kgFile: side.kg, linkFile: side.link, log: log,
                                                          progress: progress)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        // Temporary files of an earlier fit killed while writing here (its outputs are replaced below).
        let stale = AtomicFile.removeStaleTemporaries(in: output)
        if !stale.isEmpty { log("removed \(stale.count) temporary file(s) of writes interrupted earlier (\(stale.joined(separator: ", ")))") }
        // The report of an earlier fit must not outlive it if this one is interrupted
        // (MSACOutput.write does the same for the semantic IDs).
        for name in ["report.md", "cluster_sizes.svg"] {
            let url = output.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        }
        try MSACOutput.write(result, settings: settings, itemIDs: result.items.externalIDs, dataFingerprint: dataset.fingerprint, to: output)
        try AtomicFile.writeText(result.report.svgHistogram(), to: output.appendingPathComponent("cluster_sizes.svg"))
        let md = markdown(result, dataset: dataset, seconds: Date().timeIntervalSince(t0))
        try AtomicFile.writeText(md, to: output.appendingPathComponent("report.md"))
        return (result, md)
    }

    private func markdown(_ r: MSACPipeline.Result, dataset: Dataset, seconds: Double) -> String {
        var s = "# MSAC report: \(dataset.name)\n\n"
        if let v = dataset.validation, v.count > 0 {
            s += "Fitted without the \(v.count) validation pairs carved from training (as the runs with the same seed carve them).\n\n"
        }
        s += "Items: \(r.items.count) coded (\(dataset.numItems) with training interactions). Modalities: "
            + r.modalities.map { "\($0.name) (\($0.presentCount) items, \($0.dim)-d)" }.joined(separator: ", ")
        s += String(format: ". Kp = %d, Ks = %d, aligned dim %d. Total %.1f s.\n\n", config.kp, config.ks, config.dim, seconds)
        s += "## Coverage\n\n```\n" + r.coverage.lines.joined(separator: "\n") + "\n```\n\n"
        if let visual = r.modalities.first(where: { $0.name == "visual" }), let images = visual.report.first {
            s += "Images: \(images).\n\n"
        }
        if !r.crossModal.isEmpty {
            s += "## Alignment: cross-modal top-1 retrieval\n\n| pair | before | after |\n|---|---|---|\n"
            for c in r.crossModal { s += String(format: "| %@ | %.4f | %.4f |\n", c.pair, c.before, c.after) }
            s += "\n"
        }
        s += "## Codebooks\n\n```\n\(r.report.description)\n```\n\n"
        s += String(format: "k-means objective: primary %.4g, secondary %.4g.\n\n", r.fit.primaryObjective, r.fit.secondaryObjective)
        if let nmi = r.report.nmi, let b = r.behaviourOnlyNMI {
            s += String(format: "Primary-cluster NMI against the label: %.4f with all modalities, %.4f with behaviour alone.\n\n", nmi, b)
        }
        s += "![cluster sizes](cluster_sizes.svg)\n\n"
        let c = r.contents
        var columns: [String] = []
        if c.hasCategories { columns.append("the share of its items in each of its most frequent categories") }
        if c.hasTitles { columns.append("the title words that at least two of its items share (with how many)") }
        columns.append("its most popular items by training interactions" + (c.hasTitles ? "" : " (ids: the catalogue has no titles)"))
        s += "## Primary clusters\n\n" + (c.omitted > 0 ? "The \(c.clusters.count) largest of \(c.clusters.count + c.omitted) clusters" : "Every cluster")
            + ", largest first, with " + columns.dropLast().joined(separator: ", ") + (columns.count > 1 ? " and " : "") + columns.last! + ".\n\n"
        s += r.contents.markdownTable() + "\n"
        if !r.notes.isEmpty { s += "## Notes\n\n" + r.notes.map { "- \($0)" }.joined(separator: "\n") + "\n" }
        return s
    }
}

/// `.item`, `.kg`, `.link` files of a RecBole dataset directory (or beside a `.inter` file).
func msacSideFiles(_ path: String) -> (item: URL?, kg: URL?, link: URL?) {
    var dir = URL(fileURLWithPath: path)
    var name = dir.lastPathComponent
    if dir.pathExtension == "inter" { name = dir.deletingPathExtension().lastPathComponent; dir = dir.deletingLastPathComponent() }
    func f(_ ext: String) -> URL? {
        let u = dir.appendingPathComponent("\(name).\(ext)")
        return FileManager.default.fileExists(atPath: u.path) ? u : nil
    }
    return (f("item"), f("kg"), f("link"))
}
