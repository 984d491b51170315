import Foundation
import NumCore
import Datasets

/// What a run's model files were built from, recorded in their metadata and checked when they
/// are read back (`--resume`, `evaluate`, `export`, `index`, `serve`), so that weights made
/// from other data or other settings are refused instead of used.
///
/// Keys (besides the safetensors checksums every esans file carries):
/// - `esans.data_fingerprint`: ``Datasets/Dataset/fingerprint`` of the run's data;
/// - `esans.run_config`: the run's ``RunConfig`` as JSON (compared with ``RunConfig/sameRun(as:)``,
///   so a setting added by a later version, read with its default, is not a difference; a file
///   written before the run was extended matches it too, see ``RunConfig/continues(_:)``);
/// - `esans.input_checksums`: for an ESANS run, the checksums of the semantic IDs file and of
///   the `msac.safetensors` beside it when the run started (`name=hex` pairs, `;`-separated),
///   so a resumed run does not continue on clusters rebuilt since.
///
/// A file without `esans.data_fingerprint` was written before provenance was recorded: it is
/// not checked (``check(_:file:config:dataFingerprint:inputs:)`` says so in a note).
public struct RunProvenance: Sendable, Equatable {
    /// Metadata keys.
    public static let dataKey = "esans.data_fingerprint", configKey = "esans.run_config", inputsKey = "esans.input_checksums"
    /// The MSAC model file expected beside a semantic IDs file (`esans cluster`'s output).
    static let msacFile = "msac.safetensors"

    /// The run's settings.
    public let config: RunConfig
    /// The fingerprint of the run's data.
    public let dataFingerprint: String
    /// Checksums of the run's input files (see ``inputsKey``); empty when it reads none.
    public let inputs: String

    /// The provenance of a run of `config` on `dataset`, hashing its input files now.
    /// - Throws: ``TensorIOError`` when an input file cannot be read.
    public init(config: RunConfig, dataset: Dataset) throws {
        self.config = config
        dataFingerprint = dataset.fingerprint
        inputs = try Self.inputChecksums(config.training)
    }

    /// The provenance of a run of `config` on data whose ``Datasets/Dataset/fingerprint`` is
    /// `dataFingerprint` (computed elsewhere: a rank that holds part of the data), hashing its
    /// input files now.
    public init(config: RunConfig, computingInputsFor dataFingerprint: String) throws {
        self.config = config
        self.dataFingerprint = dataFingerprint
        inputs = try Self.inputChecksums(config.training)
    }

    /// A provenance given directly (`inputs` as ``inputsKey`` writes them).
    public init(config: RunConfig, dataFingerprint: String, inputs: String = "") {
        self.config = config
        self.dataFingerprint = dataFingerprint
        self.inputs = inputs
    }

    /// The metadata entries to store in a model file.
    public var metadata: [String: String] {
        var m = [Self.dataKey: dataFingerprint,
                 Self.configKey: String(decoding: (try? Self.encoder.encode(config)) ?? Data(), as: UTF8.self)]
        if !inputs.isEmpty { m[Self.inputsKey] = inputs }
        return m
    }

    /// Checks the provenance recorded in `metadata` (of the model file `file`) against this
    /// run. With `inputs` false, the input checksums are not compared (a finished run is
    /// served whatever became of its semantic IDs since).
    /// - Returns: a note when the file records no provenance (an older esans wrote it).
    /// - Throws: ``TensorIOError`` naming the file: other data (both fingerprints), other
    ///   settings (the differing ones), changed input files (which, with both checksums).
    @discardableResult
    public func check(_ metadata: [String: String], file: URL, inputs checkInputs: Bool = true) throws -> String? {
        guard let recorded = metadata[Self.dataKey] else {
            return "\(file.path): no data fingerprint (written by an older esans): not checked against this data"
        }
        guard recorded == dataFingerprint else {
            throw TensorIOError(file: file.path, problem: "was built from a different dataset (fingerprint \(recorded), this data \(dataFingerprint)); "
                                + "use the data and split options the run was trained with")
        }
        guard let json = metadata[Self.configKey] else {
            throw TensorIOError(file: file.path, problem: "metadata '\(Self.configKey)' is missing (the file is damaged)")
        }
        let saved: RunConfig
        do { saved = try JSONDecoder().decode(RunConfig.self, from: Data(json.utf8)) } catch {
            throw TensorIOError(file: file.path, problem: "metadata '\(Self.configKey)' is not a run configuration (\(error))")
        }
        // A file written before the run was extended (`--resume --epochs N`) belongs to it too.
        guard saved.sameRun(as: config) || config.continues(saved) else {
            let diff = config.differences(from: saved, labels: ("for this run", "in the file"))
            throw TensorIOError(file: file.path, problem: "was built with other settings (\(diff.joined(separator: "; ")))")
        }
        if checkInputs, let then = metadata[Self.inputsKey], then != inputs {
            let before = Self.parse(then), now = Self.parse(inputs)
            let changed = Set(before.keys).union(now.keys).sorted().filter { before[$0] != now[$0] }
                .map { "\($0) (checksum \(before[$0] ?? "none") then, \(now[$0] ?? "none") now)" }
            throw TensorIOError(file: file.path, problem: "the run's input files changed since it was written: \(changed.joined(separator: ", ")); "
                                + "restore them or start a new run")
        }
        return nil
    }

    /// `path=hex;path=hex` of the semantic IDs file and the MSAC model beside it, for a
    /// sampler that reads them; empty otherwise.
    static func inputChecksums(_ t: TrainConfig) throws -> String {
        guard t.sampler.needsSemanticIDs, let path = t.semanticIDs else { return "" }
        let ids = URL(fileURLWithPath: path).standardizedFileURL
        var files = [ids]
        let msac = ids.deletingLastPathComponent().appendingPathComponent(msacFile)
        if FileManager.default.fileExists(atPath: msac.path) { files.append(msac) }
        var pairs: [String] = []
        for url in files where FileManager.default.fileExists(atPath: url.path) {
            pairs.append("\(url.path)=\(Checksum64.hex(try Checksum64.hash(fileAt: url)))")
        }
        return pairs.joined(separator: ";")
    }

    private static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: ";") {
            guard let eq = pair.lastIndex(of: "=") else { continue }
            out[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        return out
    }

    private static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }
}
