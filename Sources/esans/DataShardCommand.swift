import ArgumentParser
import Foundation
import Datasets
import Runs

/// `esans data shard`: any data esans reads, loaded and split as usual, written as a sharded,
/// memory-mapped CSR directory (docs/sharded-format.md).
struct DataShardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract: "Convert a dataset into a sharded, memory-mapped CSR directory (manifest.json, id files, numpy arrays per shard).",
        discussion: """
        The data is loaded with the usual options (format, split, filters, columns), then user u goes to shard \
        u % S: each shard holds numpy arrays indptr (int64), indices (int32 item index) and role (int8: 0 train, \
        1 test, 2 validation), rows sorted by item. Every esans command reads the directory back with \
        --data DIR (format 'sharded', detected from its manifest.json), giving the same dataset; numpy and scipy \
        read the arrays directly (see docs/sharded-format.md). The output appears only once complete.
        """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Seed for random splits.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Number of shards S (user u goes to shard u % S).", valueName: "S")) var shards: Int
    @Option(help: "Output directory (must not exist, unless --force).") var output: String
    @Flag(help: "Replace an existing output directory (only once the new one is complete).") var force = false

    func validate() throws {
        try dataOptions.requireData()
        guard shards >= 1 && shards <= 1_000_000 else { throw ValidationError("--shards must be in 1...1000000, not \(shards)") }
        let out = URL(fileURLWithPath: output).standardizedFileURL
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: out.path, isDirectory: &isDirectory) {
            guard force else { throw ValidationError("--output \(output) already exists; remove it, choose another, or pass --force to replace it") }
            guard isDirectory.boolValue, ShardedDirectory.looksSharded(out.path) else {
                throw ValidationError("--output \(output) exists and is not a sharded directory (no manifest.json); --force replaces only those")
            }
        }
        if let data = dataOptions.data, URL(fileURLWithPath: data).standardizedFileURL == out {
            throw ValidationError("--output must differ from --data")
        }
    }

    func run() throws {
        let source = try dataOptions.source()
        let ds = try RunConfig.loadDataset(source, seed: seed, validationFraction: 0)
        let out = URL(fileURLWithPath: output).standardizedFileURL
        let manifest = try ShardWriter.write(ds, shards: shards, to: out, replace: force)
        let sizes = manifest.shards.map(\.nnz)
        let bytes = manifest.shards.reduce(0) { $0 + $1.files.values.reduce(0) { $0 + $1.bytes } }
        print("wrote \(out.path): \(shards) shard\(shards == 1 ? "" : "s") (user % \(shards)) of \(DatasetInfo.grouped(ds.numUsers)) users, "
              + "\(DatasetInfo.grouped(ds.numItems)) items, \(DatasetInfo.grouped(manifest.numInteractions)) interactions "
              + "(\(DatasetInfo.grouped(ds.train.count)) train, \(DatasetInfo.grouped(ds.test.count)) test"
              + "\(ds.validation.map { ", \(DatasetInfo.grouped($0.count)) validation" } ?? ""))")
        print("  interactions per shard: min \(sizes.min() ?? 0), max \(sizes.max() ?? 0); arrays \(TrainingMemoryEstimate.megabytes(Double(bytes)))")
    }
}
