import Foundation
import NumCore

/// A run configuration file for `esans train --config FILE`: the JSON of a ``RunConfig`` (an
/// earlier run's `config.json` is one), of which any part may be left out.
///
/// Settings the file leaves out take the recipe's defaults (``RunConfig/init(data:)``); the
/// command line then overrides what it gives explicitly. Unlike ``RunConfig/read(from:)``,
/// which reads back the files esans wrote, a settings file is written by hand, so a key esans
/// does not know fails with its path and the keys accepted there (a misspelt `epoch` is not
/// silently ignored), and an unknown value fails with the accepted values.
public enum RunSettingsFile {
    /// Keys that older `config.json` files hold and esans still reads: the softmax temperature
    /// from before the loss setting, and ESANS's own logQ switch.
    static let legacyKeys: Set<String> = ["training.temperature", "training.esans.logQ"]

    /// Reads `url`. `dataPath` is the data path when the file names none (the command line's
    /// `--data`).
    /// - Throws: ``ConfigFileError`` naming the file, the setting's path (`training.epochs`) and
    ///   the problem: not JSON, an unknown key (with the accepted ones), a value of the wrong
    ///   type, an unknown name (with the accepted ones), or no data path.
    public static func read(from url: URL, dataPath: String? = nil) throws -> RunConfig {
        let bytes = try FileData.read(url)
        let object: [String: Any]
        do {
            guard let o = try JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
                throw ConfigFileError(url: url, setting: "", problem: "is not a JSON object of run settings")
            }
            object = o
        } catch let e as ConfigFileError { throw e } catch {
            throw ConfigFileError(url: url, setting: "", problem: "is not valid JSON (\(error.localizedDescription))")
        }
        try checkKeys(object, known: knownKeys(), path: "", url: url)
        if dataPath == nil && (object["data"] as? [String: Any])?["path"] == nil {
            throw ConfigFileError(url: url, setting: "data.path", problem: "is missing: the file names no data (give --data)")
        }
        // The defaults under the file. TrainConfig decodes its missing keys as their defaults
        // itself, except the loss: without one it reads an old run's softmax with a top-level
        // temperature, which only a file with that legacy key is.
        let base = RunConfig(data: RunConfig.DataSource(path: dataPath ?? ""))
        var under = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as? [String: Any] ?? [:]
        let defaultLoss = (under["training"] as? [String: Any])?["loss"] ?? [String: Any]()
        let legacy = (object["training"] as? [String: Any])?["temperature"] != nil
        under["training"] = legacy ? [String: Any]() : ["loss": defaultLoss]
        if dataPath == nil, var data = under["data"] as? [String: Any] {
            data["path"] = nil
            under["data"] = data
        }
        let merged: Data
        do { merged = try JSONSerialization.data(withJSONObject: merge(object, over: under)) } catch {
            throw ConfigFileError(url: url, setting: "", problem: "holds a value JSON cannot carry (\(error.localizedDescription))")
        }
        do { return try JSONDecoder().decode(RunConfig.self, from: merged) } catch let error as DecodingError {
            throw ConfigFileError(url: url, error: error)
        }
    }

    /// `top` with the keys of `bottom` it lacks added, objects merged key by key.
    static func merge(_ top: [String: Any], over bottom: [String: Any]) -> [String: Any] {
        var out = bottom
        for (key, value) in top {
            if let t = value as? [String: Any], let b = bottom[key] as? [String: Any] {
                out[key] = merge(t, over: b)
            } else {
                out[key] = value
            }
        }
        return out
    }

    /// The keys a settings file may hold, as a tree: each key maps to the tree of the object
    /// it holds (empty for a value). Read off the stored properties of a default
    /// ``RunConfig``, whose coding keys are their names, plus ``legacyKeys``.
    static func knownKeys() -> [String: Any] {
        func tree(_ value: Any) -> [String: Any] {
            var out: [String: Any] = [:]
            for child in Mirror(reflecting: value).children {
                guard let label = child.label else { continue }
                var inner = child.value
                // A set optional is read through (a feature source's keys); a nil one is a leaf.
                if Mirror(reflecting: inner).displayStyle == .optional, let some = Mirror(reflecting: inner).children.first?.value { inner = some }
                let m = Mirror(reflecting: inner)
                out[label] = m.displayStyle == .struct && !m.children.isEmpty ? tree(inner) : [String: Any]()
            }
            return out
        }
        // Optional parts show their keys only when set: the feature sources are.
        var template = RunConfig(data: RunConfig.DataSource(path: ""))
        template.features.item = SideFeatureSettings.Source(path: "", modalities: [], imputeMissing: false, checksum: "")
        template.features.user = template.features.item
        var keys = tree(template)
        for legacy in legacyKeys {
            let parts = legacy.split(separator: ".").map(String.init)
            func insert(_ t: inout [String: Any], _ rest: ArraySlice<String>) {
                guard let first = rest.first else { return }
                var sub = t[first] as? [String: Any] ?? [:]
                insert(&sub, rest.dropFirst())
                t[first] = sub
            }
            insert(&keys, parts[...])
        }
        return keys
    }

    /// Throws for the first key of `object` (sorted, depth first) that `known` does not hold.
    static func checkKeys(_ object: [String: Any], known: [String: Any], path: String, url: URL) throws {
        for key in object.keys.sorted() {
            let setting = path.isEmpty ? key : path + "." + key
            guard let sub = known[key] as? [String: Any] else {
                throw ConfigFileError(url: url, setting: setting, problem: "is not a setting esans knows (accepted"
                                      + (path.isEmpty ? "" : " in \(path)") + ": "
                                      + known.keys.filter { !legacyKeys.contains(path.isEmpty ? $0 : path + "." + $0) }.sorted()
                                        .joined(separator: ", ") + ")")
            }
            if !sub.isEmpty, let nested = object[key] as? [String: Any] {
                try checkKeys(nested, known: sub, path: setting, url: url)
            }
        }
    }
}
