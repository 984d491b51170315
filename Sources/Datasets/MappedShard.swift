import Foundation
import NumCore

/// One shard of a sharded data directory, its arrays memory-mapped read-only (see
/// ``ShardManifest`` for the layout): a CSR matrix over the shard's users, row `r` holding the
/// items of user ``user(atRow:)``.
///
/// Opening checks the arrays against the manifest and each other (dtypes, lengths, file
/// sizes, `indptr` starting at 0, non-decreasing and ending at `nnz`, every item index below
/// `num_items`, every role code known), reading each array once without copying it; an
/// error names the file and the field (`indptr[17]`). The buffers point into the mappings and
/// stay valid only while the shard lives: keep it (`withExtendedLifetime(shard) { ... }`) for as
/// long as a buffer taken from it is used.
public final class MappedShard: @unchecked Sendable {
    /// Shard index.
    public let index: Int
    /// Number of shards of the directory.
    public let numShards: Int
    /// Number of items of the directory (every index is below it).
    public let numItems: Int
    /// Row starts, `rows + 1` entries (numpy `int64`).
    public let indptr: UnsafeBufferPointer<Int64>
    /// Item index of every interaction (numpy `int32`).
    public let indices: UnsafeBufferPointer<Int32>
    /// Role code of every interaction (`0` train, `1` test, `2` validation), when the data is split.
    public let roles: UnsafeBufferPointer<Int8>?
    /// Timestamp of every interaction, when the data has them.
    public let timestamps: UnsafeBufferPointer<Int64>?
    /// The mappings the buffers point into.
    private let mappings: [MappedNPY]

    /// Number of rows (users) in the shard.
    public var rows: Int { indptr.count - 1 }
    /// Number of interactions in the shard.
    public var nnz: Int { indices.count }
    /// The dense user index of `row`.
    public func user(atRow row: Int) -> Int { ShardManifest.user(atRow: row, shard: index, numShards: numShards) }
    /// The item indices of `row`.
    public func items(atRow row: Int) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(rebasing: indices[Int(indptr[row])..<Int(indptr[row + 1])])
    }

    /// Maps and checks shard `index` of the directory at `directory` described by `manifest`;
    /// with `verifyChecksums`, also compares each file's SHA-256 with the manifest's.
    /// - Throws: ``DataError`` naming the file and field at fault.
    public init(directory: URL, manifest: ShardManifest, index: Int, verifyChecksums: Bool = false) throws {
        precondition(index >= 0 && index < manifest.numShards, "MappedShard: shard \(index) outside 0..<\(manifest.numShards)")
        let entry = manifest.shards[index]
        self.index = index
        numShards = manifest.numShards
        numItems = manifest.numItems

        func map(_ field: String, _ dtypes: Set<String>, count expected: Int) throws -> MappedNPY? {
            guard let file = entry.files[field] else { return nil }
            let url = directory.appendingPathComponent(file.name)
            let mapped: MappedNPY
            do { mapped = try MappedNPY(url: url, dtypes: dtypes) } catch let e as TensorIOError {
                throw DataError(file: file.name, field: field, message: e.problem)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? -1
            guard size == file.bytes else {
                throw DataError(file: file.name, field: field, message: "\(size) bytes, the manifest says \(file.bytes) (shards[\(index)].files.\(field).bytes)")
            }
            guard mapped.count == expected else {
                throw DataError(file: file.name, field: field, message: "\(mapped.count) values, expected \(expected) "
                                    + (field == "indptr" ? "(rows + 1 = \(expected - 1) + 1)" : "(the shard's nnz, \(expected))"))
            }
            if verifyChecksums, let sum = file.sha256 {
                let actual = try SHA256.hex(ofFile: url.path)
                guard actual == sum.lowercased() else {
                    throw DataError(file: file.name, field: field, message: "SHA-256 \(actual) differs from the manifest's \(sum)")
                }
            }
            return mapped
        }

        let indptrFile = try map("indptr", ["<i8"], count: entry.rows + 1)!
        let indicesFile = try map("indices", ["<i4"], count: entry.nnz)!
        let roleFile = manifest.roleCodes == nil ? nil : try map("role", ["|i1", "|u1"], count: entry.nnz)
        let timeFile = manifest.hasTimestamps ? try map("timestamps", ["<i8"], count: entry.nnz) : nil
        mappings = [indptrFile, indicesFile] + [roleFile, timeFile].compactMap { $0 }
        indptr = indptrFile.buffer(of: Int64.self)
        indices = indicesFile.buffer(of: Int32.self)
        roles = roleFile?.buffer(of: Int8.self)
        timestamps = timeFile?.buffer(of: Int64.self)
        try checkValues(entry)
    }

    /// `indptr` from 0 to nnz without decreasing, item indices in range, role codes known.
    private func checkValues(_ entry: ShardManifest.Shard) throws {
        let indptrName = entry.files["indptr"]!.name
        guard indptr[0] == 0 else { throw DataError(file: indptrName, field: "indptr[0]", message: "\(indptr[0]), expected 0") }
        for r in 0..<rows where indptr[r + 1] < indptr[r] {
            throw DataError(file: indptrName, field: "indptr[\(r + 1)]",
                            message: "\(indptr[r + 1]) is below indptr[\(r)] = \(indptr[r]) (row starts must not decrease)")
        }
        guard indptr[rows] == Int64(nnz) else {
            throw DataError(file: indptrName, field: "indptr[\(rows)]", message: "\(indptr[rows]), expected nnz = \(nnz)")
        }
        let limit = Int32(truncatingIfNeeded: numItems)
        var bad = -1
        for k in 0..<nnz where indices[k] < 0 || indices[k] >= limit { bad = k; break }
        if bad >= 0 {
            throw DataError(file: entry.files["indices"]!.name, field: "indices[\(bad)]",
                            message: "item index \(indices[bad]) outside 0..<\(numItems) (num_items)")
        }
        if let roles {
            for k in 0..<nnz where roles[k] < 0 || Int(roles[k]) >= ShardManifest.roleNames.count {
                throw DataError(file: entry.files["role"]!.name, field: "role[\(k)]",
                                message: "role code \(roles[k]) is not one of 0 (train), 1 (test), 2 (validation)")
            }
        }
    }
}
