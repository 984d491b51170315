import Foundation
import NumCore
import Datasets

/// Image features kept on disk between runs, so that a second `esans cluster` over the same
/// images does not encode them again.
///
/// One safetensors file per encoder and image folder:
/// `<directory>/<encoder key>/<hash of the folder path>.safetensors`, holding an `F32` tensor
/// `features` (`n x dimension`) and, in its metadata, the encoder key and one entry key per
/// row. An entry key is the image's absolute path, size in bytes and modification time, so an
/// image that changes is encoded again (and its old entry dropped). The file is written
/// atomically (temporary file, fsync, rename); a cache that cannot be read or belongs to
/// another encoder is ignored and rebuilt, with a note. Images that failed to encode are not
/// cached.
public struct ImageFeatureCache: Sendable {
    /// The cache file.
    public let file: URL
    /// Identifies the encoder (weights and preprocessing); stored and checked on load.
    public let encoderKey: String
    /// Width of a feature row.
    public let dimension: Int

    /// What ``features(for:encode:)`` returns.
    public struct Lookup: Sendable {
        /// `files.count x dimension`; rows of images that failed are zero.
        public let features: Matrix
        /// Failures: position in `files` and the reason (naming the file).
        public let failures: [(index: Int, reason: String)]
        /// Images read from the cache.
        public let cached: Int
        /// Images encoded now.
        public let encoded: Int
        /// Seconds spent encoding.
        public let encodeSeconds: Double
        /// Cache problems worth reporting (unreadable file, failed write).
        public let notes: [String]
    }

    /// A cache under `directory` for the images of `collection` (a folder or a table file)
    /// encoded by the encoder named `encoderKey` (characters outside `[A-Za-z0-9._-]` become `_`).
    public init(directory: URL, encoderKey: String, collection: URL, dimension: Int) {
        let safe = String(encoderKey.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        let collectionHash = String(SHA256.hex(Data(collection.standardizedFileURL.path.utf8)).prefix(16))
        file = directory.appendingPathComponent(safe, isDirectory: true).appendingPathComponent("\(collectionHash).safetensors")
        self.encoderKey = encoderKey
        self.dimension = dimension
    }

    /// The entry key of the image at `url`: absolute path, size and modification time, or nil
    /// when the file cannot be examined.
    public static func entryKey(_ url: URL) -> String? {
        let path = url.standardizedFileURL.path
        guard !path.contains("\n"), let a = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (a[.size] as? NSNumber)?.int64Value, let date = a[.modificationDate] as? Date else { return nil }
        return "\(path)\t\(size)\t" + String(format: "%.6f", date.timeIntervalSince1970)
    }

    /// The entries on disk (entry key to features), and a note when the file exists but
    /// cannot be used.
    public func load() -> (entries: [String: [Float]], note: String?) {
        guard FileManager.default.fileExists(atPath: file.path) else { return ([:], nil) }
        do {
            let st = try SafeTensorsFile.read(from: file)
            guard st.metadata["encoder"] == encoderKey else { return ([:], "feature cache \(file.path) belongs to another encoder; rebuilt") }
            let m = try st.matrix("features")
            let keys = (st.metadata["keys"] ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard m.cols == dimension, keys.count == m.rows || (m.rows == 0 && keys == [""]) else {
                return ([:], "feature cache \(file.path) is inconsistent (\(keys.count) keys for \(m.rows) x \(m.cols) features); rebuilt")
            }
            var out: [String: [Float]] = [:]
            for (r, k) in keys.enumerated() where r < m.rows { out[k] = m.rowArray(r) }
            return (out, nil)
        } catch {
            return ([:], "feature cache \(file.path) unreadable (\(error)); rebuilt")
        }
    }

    /// Writes `entries` (sorted by key, so the file depends only on its contents).
    /// - Throws: ``NumCore/TensorIOError`` when the folder cannot be created or the write fails.
    public func save(_ entries: [String: [Float]]) throws {
        let keys = entries.keys.sorted()
        let m = Matrix(rows: keys.count, cols: dimension)
        for (r, k) in keys.enumerated() { m.row(r).update(from: entries[k]!, count: dimension) }
        var st = SafeTensorsFile()
        st.metadata = ["format": "esans.image-features.v1", "encoder": encoderKey, "keys": keys.joined(separator: "\n")]
        st.add(name: "features", matrix: m)
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw TensorIOError(url: file, problem: "cannot create the cache folder: \(error.localizedDescription)")
        }
        try st.write(to: file)
    }

    /// The features of `files`: cached rows where the entry key matches, the others from
    /// `encode` (given the files to encode, it returns their features, one row each, and the
    /// failures by position in its argument), after which the cache is rewritten.
    /// - Throws: what `encode` throws.
    public func features(for files: [URL], encode: ([URL]) throws -> (features: Matrix, failures: [(index: Int, reason: String)])) throws -> Lookup {
        let keys = files.map(Self.entryKey)
        var (entries, note) = load()
        var notes = note.map { [$0] } ?? []
        let out = Matrix(rows: files.count, cols: dimension)
        var missing: [Int] = []
        for (i, key) in keys.enumerated() {
            if let key, let v = entries[key] { out.row(i).update(from: v, count: dimension) } else { missing.append(i) }
        }
        var failures: [(index: Int, reason: String)] = []
        var seconds = 0.0
        if !missing.isEmpty {
            let t0 = Date()
            let (encoded, failed) = try encode(missing.map { files[$0] })
            seconds = Date().timeIntervalSince(t0)
            precondition(encoded.rows == missing.count && encoded.cols == dimension, "encoder returned \(encoded.rows) x \(encoded.cols) for \(missing.count) images")
            let failedRows = Set(failed.map(\.index))
            failures = failed.map { (missing[$0.index], $0.reason) }.sorted { $0.index < $1.index }
            var paths: Set<String> = []
            var added = 0
            for (r, i) in missing.enumerated() where !failedRows.contains(r) {
                out.row(i).update(from: encoded.row(r), count: dimension)
                guard let key = keys[i] else { continue }
                paths.insert(String(key.prefix { $0 != "\t" }))
                entries[key] = encoded.rowArray(r)
                added += 1
            }
            if added > 0 {
                // Drop older entries of images that changed.
                let current = Set(keys.compactMap { $0 })
                for k in entries.keys where !current.contains(k) && paths.contains(String(k.prefix { $0 != "\t" })) { entries[k] = nil }
                do { try save(entries) } catch { notes.append("feature cache not written: \(error)") }
            }
        }
        return Lookup(features: out, failures: failures, cached: files.count - missing.count, encoded: missing.count - failures.count,
                      encodeSeconds: seconds, notes: notes)
    }
}
