import TestSupport
import RunFixtures
import Foundation
import Runs
import Testing
import NumCore
import Datasets
import Models
@testable import Serving
import Codebooks

/// Serving refuses model files and indexes that are damaged or were built from other data or
/// settings than the run directory describes; files from before checksums still load.
@Suite struct ServingIntegrityTests {
    /// A run from ``makeRun(in:)`` whose model records the run's provenance, as `esans train` writes it.
    static func runWithProvenance(in dir: URL) throws -> URL {
        let run = try makeRun(in: dir)
        let config = try ServingRun.loadConfig(run)
        let ds = try config.loadDataset()
        let url = run.appendingPathComponent(RunFiles.checkpoint)
        let (model, _) = try Checkpoint.load(from: url)
        try Checkpoint.save(model: model, optimizer: nil, metadata: RunProvenance(config: config, dataFingerprint: ds.fingerprint).metadata, to: url)
        return run
    }

    static func refusal(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do { try body() } catch let e as ServingError { return e.message } catch { return "\(error)" }
        Issue.record("not refused", sourceLocation: sourceLocation)
        return ""
    }

    @Test func modelsFromOtherDataOrSettingsAreRefused() throws {
        let tmp = TempDir()
        let run = try Self.runWithProvenance(in: tmp.url)
        let loaded = try ServingRun(directory: run)
        #expect(loaded.notes.isEmpty, "\(loaded.notes)")
        let model = run.appendingPathComponent(RunFiles.checkpoint)

        // The data changed under the same path (one more training item for user 0).
        let trainFile = tmp.url.appendingPathComponent("data/train.txt")
        let original = try String(contentsOf: trainFile, encoding: .utf8)
        try original.replacingOccurrences(of: "0 0 1 2 3 4\n", with: "0 0 1 2 3 4 30\n").write(to: trainFile, atomically: true, encoding: .utf8)
        let otherData = Self.refusal { _ = try ServingRun(directory: run) }
        #expect(otherData.contains("\(model.path): was built from a different dataset (fingerprint \(loaded.dataFingerprint), this data "), "\(otherData)")
        try original.write(to: trainFile, atomically: true, encoding: .utf8)

        // config.json edited to other settings (the model was trained with seed 3).
        let configURL = run.appendingPathComponent(RunFiles.config)
        var config = try RunConfig.read(from: configURL)
        config.training.seed = 4
        try JSONEncoder().encode(config).write(to: configURL)
        let otherSettings = Self.refusal { _ = try ServingRun(directory: run) }
        #expect(otherSettings.contains(model.path) && otherSettings.contains("other settings") && otherSettings.contains("training.seed"), "\(otherSettings)")
    }

    @Test func damagedModelsAreRefusedAndOldOnesLoad() throws {
        let tmp = TempDir()
        let run = try Self.runWithProvenance(in: tmp.url)
        let model = run.appendingPathComponent(RunFiles.checkpoint)
        let count = try Data(contentsOf: model).count
        let missed = try damagesNotRefused(model, damages(offsets: damageOffsets(count: count, dense: 0, samples: 150), lengths: [0, 7, 100, count / 2, count - 1]),
                                           mention: model.path) { _ = try ServingRun(directory: run) }
        #expect(missed.isEmpty, "\(missed.prefix(5).map { "\($0.0): \($0.1)" })")
        // As an older esans wrote it: loads, with notes.
        try withoutChecksums(try Data(contentsOf: model)).write(to: model)
        let old = try ServingRun(directory: run)
        #expect(old.notes.contains { $0.contains("no checksum") }, "\(old.notes)")
        let untracked = try ServingRun(directory: try makeRun(in: tmp.url.appendingPathComponent("plain")))
        #expect(untracked.notes.contains { $0.contains("no data fingerprint") }, "\(untracked.notes)")
    }

    @Test func indexFilesAreCheckedOnLoad() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try Self.runWithProvenance(in: tmp.url))
        let dir = tmp.url.appendingPathComponent("index")
        let ivf = IVFBuilder.fromKMeans(items: run.items, lists: 5, defaultProbes: 2)
        try IVFIndexFile.write(ivf, items: run.items, metadata: ["source": "kmeans"], dataFingerprint: run.dataFingerprint, to: dir)
        let file = dir.appendingPathComponent(IVFIndexFile.fileName)
        let (_, meta) = try IVFIndexFile.read(from: dir, items: run.items, dataFingerprint: run.dataFingerprint)
        #expect(meta["data_fingerprint"] == run.dataFingerprint)

        let count = try Data(contentsOf: file).count
        let missed = try damagesNotRefused(file, damages(offsets: damageOffsets(count: count, dense: 1024, samples: 300), lengths: damageOffsets(count: count, dense: 0, samples: 100)),
                                           mention: file.path) { _ = try IVFIndexFile.read(from: dir, items: run.items, dataFingerprint: run.dataFingerprint) }
        #expect(missed.isEmpty, "\(missed.count) not refused: \(missed.prefix(5).map { "\($0.0): \($0.1)" })")

        // Built from other data: refused on load, and by serving (Retriever.load).
        let other = Self.refusal { _ = try IVFIndexFile.read(from: dir, items: run.items, dataFingerprint: "0123456789abcdef") }
        #expect(other == "\(file.path) was built from a different dataset (fingerprint \(run.dataFingerprint), this data 0123456789abcdef); rebuild it for this run")
        try IVFIndexFile.write(ivf, items: run.items, metadata: [:], dataFingerprint: "0123456789abcdef", to: dir)
        let served = Self.refusal { _ = try Retriever.load(runDirectory: run.directory, indexDirectory: dir) }
        #expect(served.contains("was built from a different dataset (fingerprint 0123456789abcdef, this data \(run.dataFingerprint))"), "\(served)")

        // An index from before checksums and data fingerprints still loads.
        try IVFIndexFile.write(ivf, items: run.items, metadata: [:], to: dir)
        try withoutChecksums(try Data(contentsOf: file)).write(to: file)
        #expect(try IVFIndexFile.read(from: dir, items: run.items, dataFingerprint: run.dataFingerprint).index.listItems == ivf.listItems)
    }

    /// List tensors whose sizes do not fit the run are refused from the header, before they are read.
    @Test func indexListsOfTheWrongSizeAreRefused() throws {
        let tmp = TempDir()
        let items = normalisedRows(50, 4, seed: 2)
        let ivf = IVFBuilder.fromKMeans(items: items, lists: 3, defaultProbes: 2)
        var f = SafeTensorsFile()
        f.metadata = ["format": IVFIndexFile.format, "item_fingerprint": IVFIndexFile.fingerprint(items)]
        f.add(name: "list_offsets", int32: ivf.listOffsets.map { Int32($0) })
        f.add(name: "list_items", int32: Array(ivf.listItems.prefix(49)))
        try f.write(to: tmp.file(IVFIndexFile.fileName))
        let message = Self.refusal { _ = try IVFIndexFile.read(from: tmp.url, items: items) }
        #expect(message.contains("do not describe 50 items"), "\(message)")
    }

    /// `index build --msac` refuses an MSAC output fitted on other data.
    @Test func msacListsFromOtherDataAreRefused() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url))
        let msac = tmp.file("msac")
        try writeMSAC(to: msac, itemIDs: run.dataset.items.externalIDs, kp: 4)
        _ = try IVFBuilder.primaryCodes(msac, itemIDs: run.dataset.items, dataFingerprint: run.dataFingerprint)  // none recorded: no check
        let st = msac.appendingPathComponent(MSACArtifact.modelFile)
        let books = try CascadedCodebooks.read(from: st)
        try books.codebooks.write(to: st, ids: books.ids, extraMetadata: [MSACArtifact.dataFingerprintKey: "0123456789abcdef"])
        let message = Self.refusal { _ = try IVFBuilder.primaryCodes(msac, itemIDs: run.dataset.items, dataFingerprint: run.dataFingerprint) }
        #expect(message.contains("\(st.path) was built from a different dataset (fingerprint 0123456789abcdef, this data \(run.dataFingerprint))"), "\(message)")
    }
}
