import Foundation
import Datasets

extension RunConfig.DataSource {
    /// Whether the loaded data changes with the run seed: generated data, and random splits.
    /// Anything fitted on the training split (MSAC's behaviour modality) is then per seed.
    public var dependsOnSeed: Bool {
        if path == RunConfig.syntheticPath { return true }
        if case .randomRatio = split { return true }
        return false
    }

    /// How the data is read, as one line (`format=recbole split=time:0.8 strict=false ...`):
    /// with ``fingerprint()``, what identifies the training split a fit was made on.
    public var loadingDescription: String {
        ["format=\(format?.rawValue ?? "detected")", "split=\(split?.description ?? "default")", "strict=\(strict)", "dedupe=\(dedupe)",
         "user_column=\(userColumn ?? "-")", "item_column=\(itemColumn ?? "-")", "time_column=\(timestampColumn ?? "-")",
         "header=\(header)", "delimiter=\(delimiter ?? "-")"].joined(separator: " ")
    }

    /// SHA-256 (hex) over the names, sizes and contents of the files the data is read from:
    /// every visible file of a data directory (interactions and side files such as `.item`,
    /// `.kg`, `.link`), or a data file with the files beside it that share its stem
    /// (`ml-100k.inter` with `ml-100k.item`, ...). The generated data set has the fixed
    /// fingerprint `synthetic` (it is defined by the seed).
    /// - Throws: when the path or a file cannot be read.
    public func fingerprint() throws -> String {
        if path == RunConfig.syntheticPath { return "synthetic" }
        let fm = FileManager.default
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        let files: [URL]
        if isDirectory.boolValue {
            files = try fm.contentsOfDirectory(at: url, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
        } else {
            let stem = url.deletingPathExtension().lastPathComponent
            let siblings = try fm.contentsOfDirectory(at: url.deletingLastPathComponent(), includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
            files = siblings.filter { $0.deletingPathExtension().lastPathComponent == stem }
        }
        var lines: [String] = []
        for file in files.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: file.path, isDirectory: &isDir), !isDir.boolValue else { continue }
            let size = (try fm.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue ?? -1
            lines.append("\(file.lastPathComponent) \(size) \(try SHA256.hex(ofFile: file.path))")
        }
        return SHA256.hex(Data(lines.joined(separator: "\n").utf8))
    }
}
