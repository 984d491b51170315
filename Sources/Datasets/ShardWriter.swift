import Foundation
import NumCore

/// Writes a ``Dataset`` as a sharded data directory (``ShardManifest``, docs/sharded-format.md).
///
/// Every file goes into a temporary directory beside the destination (`.NAME.tmp-PID-NONCE`),
/// is flushed to disk, and the directory is renamed into place only when complete: a failed or
/// interrupted conversion leaves no partial output at the destination.
public enum ShardWriter {
    /// Writes `dataset` to `destination` in `shards` shards and returns the manifest written.
    ///
    /// Shard `s` holds users `s, s + S, ...`; each row lists the user's train, test and
    /// validation items together, sorted by item index (ties by role), with their role codes.
    /// With `replace`, an existing directory at `destination` is replaced (only once the new
    /// one is complete); otherwise an existing one is refused.
    /// - Throws: ``DataError`` when an id holds a line break (the id files are one id a line),
    ///   the destination exists, or writing fails.
    @discardableResult
    public static func write(_ dataset: Dataset, shards: Int, to destination: URL, replace: Bool = false) throws -> ShardManifest {
        precondition(shards >= 1, "ShardWriter: \(shards) shards")
        return try writeAtomically(to: destination, replace: replace) { try writeContents(dataset, shards: shards, into: $0) }
    }

    /// Runs `body` on a fresh temporary directory beside `destination`, then renames it into
    /// place; on any error the temporary directory is removed and nothing appears at `destination`.
    static func writeAtomically<T>(to destination: URL, replace: Bool, _ body: (URL) throws -> T) throws -> T {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination.path) && !replace {
            throw DataError(file: destination.path, message: "\(destination.path) already exists; remove it or choose another output")
        }
        let parent = destination.deletingLastPathComponent()
        let temp = parent.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        do {
            try fm.createDirectory(at: temp, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: temp.path, message: "cannot create \(temp.path): \(FileErrorReason.text(error))")
        }
        do {
            let result = try body(temp)
            try moveIntoPlace(temp, destination, replace: replace)
            return result
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }
    }

    /// Writes the id files, the shards and the manifest into `dir`.
    static func writeContents(_ d: Dataset, shards S: Int, into dir: URL) throws -> ShardManifest {
        let userFile = try writeIDs(d.users.externalIDs, name: "user_ids.txt", role: "user", into: dir)
        let itemFile = try writeIDs(d.items.externalIDs, name: "item_ids.txt", role: "item", into: dir)
        let parts: [Interactions] = [d.train, d.test] + (d.validation.map { [$0] } ?? [])
        var entries: [ShardManifest.Shard] = []
        var total = 0
        var row: [(item: Int32, role: Int8)] = []
        for s in 0..<S {
            let rows = ShardManifest.rows(inShard: s, numUsers: d.numUsers, numShards: S)
            var indptr = [Int64]()
            indptr.reserveCapacity(rows + 1)
            indptr.append(0)
            var indices = [Int32](), roles = [Int8]()
            for r in 0..<rows {
                let u = ShardManifest.user(atRow: r, shard: s, numShards: S)
                row.removeAll(keepingCapacity: true)
                for (code, part) in parts.enumerated() where u < part.numUsers {
                    for item in part.items(of: u) { row.append((item, Int8(code))) }
                }
                row.sort { $0.item < $1.item || ($0.item == $1.item && $0.role < $1.role) }
                for entry in row {
                    indices.append(entry.item)
                    roles.append(entry.role)
                }
                indptr.append(Int64(indices.count))
            }
            let stem = String(format: "shard-%05d", s)
            let files = [
                "indptr": try writeArray(indptr, descr: "<i8", name: "\(stem).indptr.npy", into: dir),
                "indices": try writeArray(indices, descr: "<i4", name: "\(stem).indices.npy", into: dir),
                "role": try writeArray(roles, descr: "|i1", name: "\(stem).role.npy", into: dir),
            ]
            entries.append(ShardManifest.Shard(index: s, rows: rows, nnz: indices.count, files: files))
            total += indices.count
        }
        let manifest = ShardManifest(
            name: d.name, numUsers: d.numUsers, numItems: d.numItems, numInteractions: total, numShards: S, rowOrder: "item",
            roleCodes: ShardManifest.roleNames, hasTimestamps: false, userIDs: userFile, itemIDs: itemFile,
            itemsWithoutTraining: d.itemsWithoutTraining, notes: d.notes + d.filters.map { "before sharding: \($0)" }, shards: entries)
        try writeManifest(manifest, into: dir)
        return manifest
    }

    /// Writes `manifest.json` (sorted keys, pretty-printed, ended by a line break).
    static func writeManifest(_ manifest: ShardManifest, into dir: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var json = try encoder.encode(manifest)
        json.append(0x0A)
        try writeFile(json, name: ShardManifest.fileName, into: dir)
    }

    /// Writes the id file `name` holding `"0"`, `"1"`, ... `"count-1"`, one a line, in pieces
    /// (never the whole file in memory).
    static func writeNumberedIDs(count: Int, name: String, into dir: URL) throws -> ShardManifest.FileEntry {
        try writeFile(name: name, into: dir) { emit in
            var chunk = Data()
            chunk.reserveCapacity(1 << 20)
            for k in 0..<count {
                chunk.append(contentsOf: String(k).utf8)
                chunk.append(0x0A)
                if chunk.count >= 1 << 20 {
                    try emit(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            try emit(chunk)
        }
    }

    /// One id a line; an id with a line break cannot be written this way.
    static func writeIDs(_ ids: [String], name: String, role: String, into dir: URL) throws -> ShardManifest.FileEntry {
        var data = Data()
        for (k, id) in ids.enumerated() {
            if id.utf8.contains(0x0A) || id.utf8.contains(0x0D) {
                throw DataError(file: name, field: "\(role) \(k)", message: "the id \(DataError.quote(id)) holds a line break; "
                                    + "the id files hold one id a line")
            }
            data.append(contentsOf: id.utf8)
            data.append(0x0A)
        }
        return try writeFile(data, name: name, into: dir)
    }

    /// A 1-D `.npy` array.
    static func writeArray<T: FixedWidthInteger>(_ values: [T], descr: String, name: String, into dir: URL) throws -> ShardManifest.FileEntry {
        try writeFile(NPY.bytes(of: values, descr: descr), name: name, into: dir)
    }

    /// Writes `data` to `dir/name`, flushed to disk, and returns its manifest entry.
    @discardableResult
    static func writeFile(_ data: Data, name: String, into dir: URL) throws -> ShardManifest.FileEntry {
        try writeFile(name: name, into: dir) { emit in try emit(data) }
    }

    /// Writes `dir/name` from the pieces `produce` hands to its `emit` argument, hashing them
    /// on the way, flushes it to disk, and returns its manifest entry.
    static func writeFile(name: String, into dir: URL, _ produce: ((Data) throws -> Void) throws -> Void) throws -> ShardManifest.FileEntry {
        let url = dir.appendingPathComponent(name)
        var hasher = SHA256()
        var bytes = 0
        do {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw DataError(file: name, message: "cannot create \(url.path)")
            }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try produce { piece in
                hasher.update(piece)
                bytes += piece.count
                try handle.write(contentsOf: piece)
            }
            try handle.synchronize()
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(file: name, message: "cannot write \(url.path): \(FileErrorReason.text(error))")
        }
        return ShardManifest.FileEntry(name: name, bytes: bytes, sha256: SHA256.hexString(hasher.finalize()))
    }

    /// Renames the finished `temp` to `destination`, replacing an existing one when asked.
    static func moveIntoPlace(_ temp: URL, _ destination: URL, replace: Bool) throws {
        let fm = FileManager.default
        var old: URL?
        if replace && fm.fileExists(atPath: destination.path) {
            let aside = temp.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
            guard rename(destination.path, aside.path) == 0 else {
                throw DataError(file: destination.path, message: "cannot move the old \(destination.path) aside: \(String(cString: strerror(errno)))")
            }
            old = aside
        }
        guard rename(temp.path, destination.path) == 0 else {
            let problem = String(cString: strerror(errno))
            if let old { _ = rename(old.path, destination.path) }
            throw DataError(file: destination.path, message: "cannot rename the finished shards into \(destination.path): \(problem)")
        }
        if let old { try? fm.removeItem(at: old) }
        let dirFD = open(destination.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
    }
}
