import ArgumentParser
import Foundation
import NumCore
import Datasets
import Runs
import Semantic
import Alignment
import TextEncoder
import Codebooks

/// Semantic IDs for ESANS when the command line gives none (`train --sampler esans`, `compare`
/// or `sweep` with ESANS, without --semantic-ids): MSAC with the default settings, fitted into
/// a folder of the output and reused by later runs on the same data.
///
/// - Modalities: behaviour always; structured when the data has a RecBole `.item` file with a
///   `class` or `genre` field (or `.kg` + `.link`); text when the `.item` file has titles and the
///   MiniLM weights are in the cache (`esans data fetch minilm`). Visual needs --images and is
///   never chosen here.
/// - Codebooks: `esans cluster`'s defaults (Kp 64, Ks 16), lowered on small catalogues to at
///   least 4 items per primary cluster on average.
/// - Cache: the folder gets `cache_key.txt` (written last) with the data fingerprint (the data
///   files' contents), how the data is read, the split seed, the validation share left out
///   (when the runs carve one) and the modalities. A folder whose
///   key matches is reused without refitting; otherwise the fit is made again.
struct DefaultSemanticIDs {
    /// The file that records what a cached fit was made from.
    static let keyFile = "cache_key.txt"

    /// The data, and the seed of its split, of the validation carving and of MSAC.
    var source: RunConfig.DataSource
    var seed: UInt64
    /// The validation share the runs carve from training (with `seed`): left out of the fit, so
    /// that the clusters never see the pairs the runs select their epoch and settings on.
    var validation: Double = 0
    /// The fit's folder.
    var directory: URL

    /// The modalities the defaults use for `source`, in fit order, and why text is or is not among them.
    static func modalities(for source: RunConfig.DataSource) -> (names: [String], text: String) {
        let side = msacSideFiles(source.path)
        let fields = side.item.flatMap { try? AtomicTable.readHeader(path: $0.path).map(\.name) } ?? []
        var names: [String] = []
        var text = "no text: the data has no .item file with titles"
        if fields.contains("movie_title") {
            if SentenceEncoder.cachedMiniLMDirectory != nil {
                names.append("text")
                text = "text from the MiniLM weights in the cache"
            } else {
                text = "no text: the MiniLM weights are not in the cache (`esans data fetch minilm`)"
            }
        }
        if !["class", "genre"].filter(fields.contains).isEmpty || (side.kg != nil && side.link != nil) { names.append("structured") }
        names.append("behaviour")
        return (names, text)
    }

    /// The cache key of a fit of `source` with `modalities`: one `key=value` per line.
    func key(modalities: [String]) throws -> String {
        (["esans-default-msac=1", "data_fingerprint=\(try source.fingerprint())", "loading=\(source.loadingDescription)",
         "seed=\(seed)"] + (validation > 0 ? ["validation=\(validation)"] : [])
            + ["modalities=\(modalities.joined(separator: ","))"]).joined(separator: "\n") + "\n"
    }

    /// `semantic_ids.tsv` of the default fit in ``directory``: reused when the folder holds a
    /// complete fit with the same key, fitted (and the key written last) otherwise. With
    /// `keepExisting` (a resumed run, or an experiment whose runs started on this fit), a fit of
    /// the same data and seed is kept even if the defaults would now choose other modalities
    /// (the MiniLM weights were fetched since), so that one run never changes clusters midway.
    /// `log` gets one line on what was used, then the fit's progress.
    func ensure(keepExisting: Bool, log: @escaping (String) -> Void) throws -> String {
        let (names, textNote) = Self.modalities(for: source)
        let wanted = try key(modalities: names)
        let ids = directory.appendingPathComponent(MSACArtifact.idsFile), model = directory.appendingPathComponent(MSACArtifact.modelFile)
        let keyURL = directory.appendingPathComponent(Self.keyFile)
        let fm = FileManager.default
        if fm.fileExists(atPath: ids.path), fm.fileExists(atPath: model.path), let saved = try? String(contentsOf: keyURL, encoding: .utf8) {
            if saved == wanted {
                log("semantic IDs: reusing \(directory.path) (MSAC fitted earlier on the same data and settings: \(names.joined(separator: ", ")); not refitted)")
                return ids.path
            }
            let savedModalities = saved.split(separator: "\n").first { $0.hasPrefix("modalities=") }.map { String($0.dropFirst("modalities=".count)) } ?? ""
            if keepExisting, try key(modalities: savedModalities.split(separator: ",").map(String.init)) == saved {
                log("semantic IDs: reusing \(directory.path) (fitted on the same data with \(savedModalities); the defaults would now use "
                    + "\(names.joined(separator: ",")), but runs already trained on this fit keep it)")
                return ids.path
            }
            log("semantic IDs: \(directory.path) holds a fit of other data or settings; fitting again")
        }
        if fm.fileExists(atPath: keyURL.path) { try fm.removeItem(at: keyURL) }
        let dataset = try MSACFit.loadDataset(source, seed: seed, validation: validation)
        guard dataset.numItems >= 2 else {
            throw ValidationError("ESANS needs semantic IDs, and MSAC needs at least 2 items with training interactions (\(dataset.name) has \(dataset.numItems))")
        }
        let defaults = MSACPipeline.Config()
        var c = defaults
        c.modalities = names
        c.kp = min(defaults.kp, max(2, dataset.numItems / 4))
        c.ks = min(defaults.ks, dataset.numItems)
        c.seed = seed
        let fields = msacSideFiles(source.path).item.flatMap { try? AtomicTable.readHeader(path: $0.path).map(\.name) } ?? []
        c.structuredFields = ["class", "genre"].filter(fields.contains)
        c.labelField = ["class", "genre"].first(where: fields.contains)
        let command = ["esans", "cluster"] + source.commandLineArguments + ["--modalities", names.joined(separator: ","), "--kp", String(c.kp),
                                                                           "--ks", String(c.ks), "--seed", String(seed)]
            + (validation > 0 ? ["--validation", String(validation)] : []) + ["--output", directory.path]
        log("semantic IDs: none given (--semantic-ids), so MSAC fits them with the defaults: \(names.joined(separator: ", ")) (\(textNote)), "
            + "Kp \(c.kp), Ks \(c.ks), seed \(seed), into \(directory.path); the same as `\(command.joined(separator: " "))`")
        let t0 = Date()
        let (result, _) = try MSACFit(source: source, seed: seed, config: c, images: nil)
            .run(dataset: dataset, output: directory, log: { line in if line.hasPrefix("modality ") { log("  msac: " + line) } },
                 progress: StageProgress(prefix: "  msac: ").msac)
        for line in result.coverage.lines { log("  msac: " + line) }
        try AtomicFile.writeText(wanted, to: keyURL)
        log(String(format: "  msac: fitted in %.1fs; report in %@", Date().timeIntervalSince(t0), directory.appendingPathComponent("report.md").path))
        return ids.path
    }
}

extension DefaultSemanticIDs {
    /// For a run in `output` (`esans train`): when `config` trains ESANS without semantic IDs,
    /// sets them to the default fit in `output/msac` (made or reused).
    static func fillIn(_ config: inout RunConfig, output: URL, resuming: Bool, log: @escaping (String) -> Void) throws {
        guard config.training.sampler.needsSemanticIDs, config.training.semanticIDs == nil else { return }
        if config.training.threads > 0 { WorkerPool.configure(threads: config.training.threads) }
        let fit = DefaultSemanticIDs(source: config.data, seed: config.training.seed, validation: config.training.validationFraction,
                                     directory: output.appendingPathComponent("msac"))
        config.training.semanticIDs = try fit.ensure(keepExisting: resuming, log: log)
    }

    /// Whether `path` is the semantic IDs file of the default fit of a run in `output`
    /// (`output/msac/semantic_ids.tsv`), as a resumed run's settings record it.
    static func isDefaultFit(_ path: String?, output: URL) -> Bool {
        guard let path else { return false }
        let fit = output.appendingPathComponent("msac").appendingPathComponent(MSACArtifact.idsFile)
        return URL(fileURLWithPath: path).standardizedFileURL.path == fit.standardizedFileURL.path
    }

    /// For an experiment in `output` (`esans compare`, `esans sweep`) whose base trains ESANS
    /// runs without semantic IDs: the default fit in `output/msac` for every seed, or, when the
    /// data changes with the seed (generated data, random splits), one fit per seed in
    /// `output/msac/seed<k>`. Returns the files by seed, for
    /// ``Experiments/ExperimentPlan/semanticIDsBySeed`` (empty when the base has semantic IDs).
    /// Fits are kept, whatever the defaults now say, once runs of the experiment exist.
    static func forExperiment(_ base: RunConfig, seeds: [UInt64], output: URL, log: @escaping (String) -> Void) throws -> [UInt64: String] {
        guard base.training.semanticIDs == nil, let first = seeds.first else { return [:] }
        if base.training.threads > 0 { WorkerPool.configure(threads: base.training.threads) }
        let runs = output.appendingPathComponent("runs")
        let started = !((try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []).isEmpty
        let root = output.appendingPathComponent("msac")
        let validation = base.training.validationFraction
        guard base.data.dependsOnSeed || validation > 0 else {
            let ids = try DefaultSemanticIDs(source: base.data, seed: first, directory: root).ensure(keepExisting: started, log: log)
            return Dictionary(uniqueKeysWithValues: seeds.map { ($0, ids) })
        }
        log(validation > 0 ? "semantic IDs: each seed carves its own validation split, which its MSAC fit leaves out, so each seed gets its own fit"
                           : "semantic IDs: the data changes with the seed, so each seed's training split gets its own MSAC fit")
        var bySeed: [UInt64: String] = [:]
        for seed in seeds {
            bySeed[seed] = try DefaultSemanticIDs(source: base.data, seed: seed, validation: validation, directory: root.appendingPathComponent("seed\(seed)"))
                .ensure(keepExisting: started, log: log)
        }
        return bySeed
    }
}

extension RunConfig.DataSource {
    /// The command-line options that describe this data source (`--data D --format recbole ...`).
    var commandLineArguments: [String] {
        var a = ["--data", path]
        if let format { a += ["--format", format.rawValue] }
        if let split { a += ["--split", split.description] }
        if strict { a.append("--strict") }
        if dedupe { a.append("--dedupe") }
        if let userColumn { a += ["--user-column", userColumn] }
        if let itemColumn { a += ["--item-column", itemColumn] }
        if let timestampColumn { a += ["--time-column", timestampColumn] }
        if !header { a.append("--no-header") }
        if let delimiter { a += ["--delimiter", delimiter] }
        return a
    }
}
