import Foundation
import NumCore

/// The on-disk layouts ``DatasetLoader`` reads.
public enum DataFormat: String, NamedSetting {
    /// LightGCN / NGCF text: a directory with `train.txt` and `test.txt`, one line per user,
    /// `user item item ...`, non-negative integer ids.
    case lightgcn
    /// RecBole atomic files: `DIR/NAME.inter` with a typed tab-separated header.
    case recbole
    /// Comma-separated values (RFC 4180 quoting), one interaction per record.
    case csv
    /// Tab-separated values (no quoting), one interaction per record.
    case tsv
    /// A sharded, memory-mapped CSR directory: `manifest.json`, id files and per-shard numpy
    /// arrays (see ``ShardManifest`` and docs/sharded-format.md), written by `esans data shard`.
    case sharded

    public static var settingName: String { "data format" }

    /// Guesses the format of `path`: a directory with `manifest.json` is sharded, with `train.txt` LightGCN, a directory
    /// with an `.inter` file or an `.inter` file is RecBole, `.csv` is CSV, `.tsv`/`.tab` is TSV.
    public static func detect(path: String) -> DataFormat? {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        let url = URL(fileURLWithPath: path)
        if isDirectory.boolValue {
            if ShardedDirectory.looksSharded(path) { return .sharded }
            if fm.fileExists(atPath: url.appendingPathComponent("train.txt").path) { return .lightgcn }
            let entries = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            if entries.contains(where: { $0.hasSuffix(".inter") }) { return .recbole }
            return nil
        }
        switch url.pathExtension.lowercased() {
        case "inter": return .recbole
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        default: return nil
        }
    }

    /// The split used when ``LoadOptions/split`` is nil: the given files for LightGCN and
    /// sharded data (whose shards without a split get `time:0.8`), a per-user 80/20 split by
    /// time for the others.
    public var defaultSplit: Split {
        self == .lightgcn || self == .sharded ? .givenFiles : .ratioByTime(0.8)
    }
}
