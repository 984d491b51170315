import Foundation
import NumCore

/// The settings `esans cluster` records in `msac.safetensors` (metadata `esans.msac_config`),
/// as one line of `key=value` pairs separated by spaces:
/// `modalities=behaviour,text imports=name=file,... images=SPEC kp=64 ks=16 dim=64
/// align_epochs=30 seed=1 structured_fields=class,genre data=PATH`.
///
/// A value may contain spaces (a path): a word that does not start with a known `key=` belongs
/// to the value before it. Older files have no `structured_fields` (read as `nil`: the default
/// rule of `esans cluster`) and list imports by name only (their files must then be given
/// again).
public struct MSACSettings: Sendable, Equatable {
    /// Built-in modalities, in fit order.
    public var modalities: [String]
    /// Imported modalities, in fit order: name and file (`nil` when the file was not recorded).
    public var imports: [(name: String, path: String?)]
    /// The image SPEC of the visual modality.
    public var images: String?
    /// Codebook sizes, aligned dimension, alignment epochs and seed.
    public var kp: Int, ks: Int, dim: Int, alignEpochs: Int, seed: UInt64
    /// `.item` fields of the structured modality (`nil`: not recorded).
    public var structuredFields: [String]?
    /// The data path the codebooks were fitted on.
    public var data: String?

    /// The recorded keys, in the order they are written.
    static let keys = ["modalities", "imports", "images", "kp", "ks", "dim", "align_epochs", "seed", "structured_fields", "data"]

    /// Settings given directly.
    public init(modalities: [String], imports: [(name: String, path: String?)], images: String?, kp: Int, ks: Int, dim: Int,
                alignEpochs: Int, seed: UInt64, structuredFields: [String]?, data: String?) {
        self.modalities = modalities
        self.imports = imports
        self.images = images
        self.kp = kp; self.ks = ks; self.dim = dim; self.alignEpochs = alignEpochs; self.seed = seed
        self.structuredFields = structuredFields
        self.data = data
    }

    /// Every modality name in fit order (built-in, then imported): the order of the codebooks'
    /// residual blocks.
    public var modalityOrder: [String] { modalities + imports.map(\.name) }

    /// The metadata line.
    public var text: String {
        var parts = ["modalities=\(modalities.joined(separator: ","))",
                     "imports=\(imports.map { imp in imp.path.map { "\(imp.name)=\($0)" } ?? imp.name }.joined(separator: ","))"]
        if let images { parts.append("images=\(images)") }
        parts += ["kp=\(kp)", "ks=\(ks)", "dim=\(dim)", "align_epochs=\(alignEpochs)", "seed=\(seed)"]
        if let structuredFields { parts.append("structured_fields=\(structuredFields.joined(separator: ","))") }
        if let data { parts.append("data=\(data)") }
        return parts.joined(separator: " ")
    }

    /// Parses a metadata line; `file` names the file in errors.
    /// - Throws: ``NumCore/ModelFileError`` naming the file and the key that is missing or malformed.
    public static func parse(_ text: String, file: String) throws -> MSACSettings {
        var values: [String: String] = [:]
        var current: String? = nil
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if let eq = word.firstIndex(of: "="), keys.contains(String(word[..<eq])) {
                current = String(word[..<eq])
                values[current!] = String(word[word.index(after: eq)...])
            } else if let key = current {
                values[key]! += " " + word
            } else if !word.isEmpty {
                throw ModelFileError(file: file, item: "esans.msac_config", problem: "unexpected '\(word)' before the first key=value")
            }
        }
        func list(_ key: String) -> [String] { (values[key] ?? "").split(separator: ",").map(String.init) }
        func int(_ key: String) throws -> Int {
            guard let v = values[key], let n = Int(v) else {
                throw ModelFileError(file: file, item: "esans.msac_config", problem: "\(key): expected an integer, found \(values[key].map { "'\($0)'" } ?? "nothing")")
            }
            return n
        }
        guard let seedText = values["seed"], let seed = UInt64(seedText) else {
            throw ModelFileError(file: file, item: "esans.msac_config", problem: "seed: expected a non-negative integer, found \(values["seed"].map { "'\($0)'" } ?? "nothing")")
        }
        let imports: [(String, String?)] = list("imports").map { spec in
            let p = spec.split(separator: "=", maxSplits: 1).map(String.init)
            return (p[0], p.count == 2 ? p[1] : nil)
        }
        return MSACSettings(modalities: list("modalities"), imports: imports, images: values["images"], kp: try int("kp"), ks: try int("ks"),
                            dim: try int("dim"), alignEpochs: try int("align_epochs"), seed: seed,
                            structuredFields: values["structured_fields"].map { $0.split(separator: ",").map(String.init) },
                            data: values["data"])
    }

    public static func == (a: MSACSettings, b: MSACSettings) -> Bool {
        a.text == b.text
    }
}
