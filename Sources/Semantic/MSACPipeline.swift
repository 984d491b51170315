import Foundation
import Alignment
import NumCore
import Datasets
import Clustering
import Codebooks
import TextEncoder

/// MSAC end to end for one dataset: build the requested modality matrices, align them into a
/// common space, fuse, fit the cascaded codebooks and report (spec section 2).
///
/// The fit covers the dataset's ``ItemCatalogue``: every dataset item, and every item the data
/// names without training interactions (test-only items, items listed only in the `.item`
/// file) that has at least one modality. Those have no behaviour vector; they are aligned,
/// fused and coded from the modalities they have, as dataset items missing a modality are.
public struct MSACPipeline {
    /// What to build.
    public struct Config: Sendable {
        /// Built-in modalities to use: any of `visual`, `text`, `structured`, `behaviour`.
        public var modalities: [String] = ["behaviour"]
        /// The image SPEC of the visual modality (see ``ItemImages``).
        public var images: URL? = nil
        /// Weights and feature cache of the visual modality.
        public var visual = VisualFeatures.Options()
        /// Imported modalities: name and file (`.npy` with `<file>.ids` or `ids.txt` beside it, or `.csv`).
        public var imports: [(name: String, path: String)] = []
        /// Common (aligned) dimension.
        public var dim = 64
        /// Codebook sizes.
        public var kp = 64, ks = 16
        /// Alignment epochs (0 = no training: modalities of width `dim` are used as they are).
        public var alignEpochs = 30
        /// Structured attributes: fields of the `.item` file (token or token_seq).
        public var structuredFields: [String] = []
        /// Field of the `.item` file giving each item's label for NMI / purity (first token).
        public var labelField: String? = nil
        /// k-means iterations and restarts.
        public var iterations = 20, restarts = 1
        /// Seed of every random choice.
        public var seed: UInt64 = 1
        /// The defaults.
        public init() {}
    }

    /// Everything the pipeline produced.
    public struct Result {
        /// The coded items, in row order of every matrix below and of the codes: the dataset's
        /// items first, then the catalogue items without training interactions that have a modality.
        public var items: IDMap
        /// Which modalities the coded items had, and how many catalogue items got no ID.
        public var coverage: ModalityCoverage
        public var modalities: [ModalityMatrix]
        public var aligned: [Matrix]
        public var alignment: ModalityAlignment?
        /// Cross-modal top-1 accuracy per modality pair, before and after alignment.
        public var crossModal: [(pair: String, before: Double, after: Double)]
        public var fit: CascadedCodebooks.Fit
        public var report: ClusterReport
        /// What each primary cluster holds (categories, title words, popular items), for the report.
        public var contents: ClusterContents
        /// NMI of primary clusters built from the behaviour modality alone (when labels exist
        /// and other modalities were used too), for comparison.
        public var behaviourOnlyNMI: Double?
        public var notes: [String]
    }

    public let config: Config
    /// A pipeline with `config`.
    public init(config: Config) { self.config = config }

    /// Runs MSAC on `dataset`; `itemFile`, `kgFile`, `linkFile` are the RecBole side files when
    /// the dataset has them. `log` receives progress lines; `progress` is told how far each
    /// long stage has got (images and texts encoded, k-means iterations; see ``MSACStage``).
    public func run(dataset: Dataset, itemFile: URL?, kgFile: URL?, linkFile: URL?, log: @escaping (String) -> Void = { _ in },
                    progress: @escaping MSACProgress = { _, _, _ in }) throws -> Result {
        let catalogue = try ItemCatalogue(dataset: dataset, itemFile: itemFile)
        let built = try buildModalities(dataset: dataset, items: catalogue.items, itemFile: itemFile, kgFile: kgFile, linkFile: linkFile,
                                        log: log, progress: progress)
        let (coded, mods, uncoded) = catalogue.restricted(built)
        let coverage = ModalityCoverage(modalities: mods, datasetItems: coded.datasetItems, uncoded: uncoded)
        var notes: [String] = []
        for m in mods { notes += m.report.map { "\(m.name): \($0)" } }

        // Alignment (skipped for a single modality of the right width).
        var alignment: ModalityAlignment? = nil
        var aligned: [Matrix] = []
        var crossModal: [(String, Double, Double)] = []
        if mods.count == 1 && mods[0].dim == config.dim {
            aligned = [mods[0].vectors]
        } else {
            var ac = ModalityAlignment.Config()
            ac.dim = config.dim
            ac.epochs = config.alignEpochs
            ac.seed = config.seed
            let al = ModalityAlignment(modalities: mods, config: ac)
            let pairs = mods.indices.flatMap { a in mods.indices.filter { $0 > a }.map { (a, $0) } }
            let before = pairs.map { al.crossModalTop1(mods, $0.0, $0.1) }
            if config.alignEpochs > 0 {
                al.train(mods) { e, loss in if e % 10 == 0 { log(String(format: "alignment epoch %d: loss %.4f", e, loss)) } }
            }
            for (k, p) in pairs.enumerated() {
                crossModal.append(("\(mods[p.0].name)→\(mods[p.1].name)", before[k], al.crossModalTop1(mods, p.0, p.1)))
            }
            aligned = mods.indices.map { al.project(mods[$0], index: $0) }
            alignment = al
        }
        let available = mods.map(\.present)
        let fused = CascadedCodebooks.fuse(modalities: aligned, available: available)
        let fit = CascadedCodebooks.fit(fused: fused, modalities: aligned, available: available, modalityNames: mods.map(\.name),
                                        kp: config.kp, ks: config.ks, maxIterations: config.iterations, restarts: config.restarts, seed: config.seed,
                                        progress: { level, done, total in progress(level == 0 ? .kMeansPrimary : .kMeansSecondary, done, total) })
        let labels = try config.labelField.flatMap { try Self.labels(field: $0, itemFile: itemFile, items: coded.items) }
        let report = ClusterReport(ids: fit.ids, labels: labels)
        let categoryFields = config.structuredFields.isEmpty ? config.labelField.map { [$0] } ?? [] : config.structuredFields
        let contents = ClusterContents(primary: fit.ids.primary, kp: config.kp, itemIDs: coded.items.externalIDs,
                                       popularity: dataset.train.itemCounts(),
                                       descriptions: try ItemDescriptions(itemFile: itemFile, items: coded.items, categoryFields: categoryFields))
        var behaviourNMI: Double? = nil
        if let labels, mods.count > 1, let b = mods.firstIndex(where: { $0.name == "behaviour" }) {
            let only = KMeans(k: config.kp, maxIterations: config.iterations, restarts: config.restarts, seed: config.seed).fit(aligned[b])
            behaviourNMI = ClusterReport(ids: SemanticIDs(primary: only.assignments, secondary: only.assignments.map { _ in 0 }, kp: config.kp, ks: 1),
                                         labels: labels).nmi
        }
        return Result(items: coded.items, coverage: coverage, modalities: mods, aligned: aligned, alignment: alignment, crossModal: crossModal, fit: fit, report: report,
                      contents: contents, behaviourOnlyNMI: behaviourNMI, notes: notes)
    }

    /// The modality matrices of `dataset` the configuration asks for, built-in modalities in
    /// `config.modalities` order, then the imports: the vectors `run` aligns and clusters
    /// (`esans cluster assign` rebuilds them the same way). Rows are `items` (default: the
    /// dataset's items), whose first entries must be the dataset's items in index order (an
    /// ``ItemCatalogue``); the behaviour modality is absent for the items after them.
    /// `progress` is told the images and texts encoded.
    public func buildModalities(dataset: Dataset, items: IDMap? = nil, itemFile: URL?, kgFile: URL?, linkFile: URL?,
                                log: @escaping (String) -> Void = { _ in },
                                progress: @escaping MSACProgress = { _, _, _ in }) throws -> [ModalityMatrix] {
        let items = items ?? dataset.items
        precondition(items.count >= dataset.numItems && Array(items.externalIDs.prefix(dataset.numItems)) == dataset.items.externalIDs,
                     "the items must start with the dataset's items")
        let catalogue = ItemCatalogue(items: items, datasetItems: dataset.numItems)
        var mods: [ModalityMatrix] = []
        for name in config.modalities {
            let t0 = Date()
            switch name {
            case "behaviour":
                var o = BehaviourFeatures.Options()
                o.svd.dim = config.dim
                o.svd.seed = config.seed
                mods.append(catalogue.padded(BehaviourFeatures.build(train: dataset.train, options: o)))
            case "structured":
                guard itemFile != nil || kgFile != nil else {
                    throw SemanticError(file: dataset.name, item: nil, problem: "the structured modality needs a RecBole .item file (or .kg + .link) beside the interactions")
                }
                let fields = config.structuredFields.map { StructuredFeatures.Field($0, splitOnSpaces: true) }
                var o = StructuredFeatures.Options()
                o.svd.dim = config.dim
                o.svd.seed = config.seed
                mods.append(try StructuredFeatures.build(items: items, itemFile: itemFile, fields: fields, kgFile: kgFile, linkFile: linkFile, options: o))
            case "visual":
                guard let images = config.images else {
                    throw SemanticError(file: "<options>", item: nil, problem: "the visual modality needs an image SPEC (--images: a folder with posters.tsv, or of <item_id>.jpg files)")
                }
                let m = try VisualFeatures.build(items: items, spec: images, options: config.visual) { progress(.encodingImages, $0, $1) }
                for line in m.report.prefix(2) { log("visual: \(line)") }
                mods.append(m)
            case "text":
                guard let itemFile else { throw SemanticError(file: dataset.name, item: nil, problem: "the text modality needs a RecBole .item file with a title field") }
                mods.append(try textModality(itemFile: itemFile, items: items, log: log) { progress(.encodingTexts, $0, $1) })
            default:
                throw SemanticError(file: "<options>", item: nil, problem: "unknown modality '\(name)' (expected visual, text, structured, behaviour, or --import name=file)")
            }
            log(String(format: "modality %@: %d of %d items, dim %d (%.1fs)", name, mods.last!.presentCount, items.count, mods.last!.dim, Date().timeIntervalSince(t0)))
        }
        for (name, path) in config.imports {
            let url = URL(fileURLWithPath: path)
            let m: ModalityMatrix
            if url.pathExtension == "csv" {
                m = try ImportedFeatures.fromCSV(url, items: items, name: name)
            } else {
                let idFile = [url.appendingPathExtension("ids"), url.deletingPathExtension().appendingPathExtension("ids"),
                              url.deletingLastPathComponent().appendingPathComponent("ids.txt")]
                    .first { FileManager.default.fileExists(atPath: $0.path) }
                guard let idFile else { throw SemanticError(file: url.lastPathComponent, item: nil, problem: "no id list found (expected \(url.lastPathComponent).ids or ids.txt beside it)") }
                m = try ImportedFeatures.fromNPY(url, ids: idFile, items: items, name: name)
            }
            mods.append(m)
            log("modality \(name) (imported): \(m.presentCount) of \(items.count) items, dim \(m.dim)")
        }
        guard !mods.isEmpty else { throw SemanticError(file: "<options>", item: nil, problem: "no modality selected") }
        return mods
    }

    /// Text modality: MiniLM embeddings of each item's text (title, year, genres).
    private func textModality(itemFile: URL, items: IDMap, log: (String) -> Void, progress: @escaping (Int, Int) -> Void) throws -> ModalityMatrix {
        let encoder = try SentenceEncoder.cachedMiniLM()
        let (ids, texts) = try MovieLensItemText.read(itemFile: itemFile)
        var rowOf: [Int] = [], keep: [String] = []
        for (k, id) in ids.enumerated() { if let i = items.index(of: id) { rowOf.append(i); keep.append(texts[k]) } }
        let t0 = Date()
        progress(0, keep.count)
        let emb = encoder.encode(keep, progress: progress)
        log(String(format: "text: embedded %d item texts with MiniLM in %.1fs", keep.count, Date().timeIntervalSince(t0)))
        let out = Matrix(rows: items.count, cols: emb.cols)
        var present = [Bool](repeating: false, count: items.count)
        for (k, i) in rowOf.enumerated() { out.row(i).update(from: emb.row(k), count: emb.cols); present[i] = true }
        return ModalityMatrix(name: "text", vectors: out, present: present, report: ["\(keep.count) item texts embedded (MiniLM-L6, 384-d)"])
    }

    /// The first token of `field` per item (nil for items without one).
    static func labels(field: String, itemFile: URL?, items: IDMap) throws -> [Int32?]? {
        guard let itemFile else { return nil }
        let table = try AtomicTable.read(path: itemFile.path, only: ["item_id", field])
        guard let ids = table.tokens("item_id") else { return nil }
        let values: [[String]]
        if let seq = table.tokenSequences(field) { values = seq } else if let t = table.tokens(field) { values = t.map { $0.split(separator: " ").map(String.init) } } else {
            throw SemanticError(file: itemFile.lastPathComponent, item: nil, problem: "no field '\(field)' for labels")
        }
        var codes: [String: Int32] = [:]
        var out = [Int32?](repeating: nil, count: items.count)
        for (k, id) in ids.enumerated() {
            guard let i = items.index(of: id), let first = values[k].first else { continue }
            let c = codes[first] ?? Int32(codes.count)
            codes[first] = c
            out[i] = c
        }
        return out
    }
}
