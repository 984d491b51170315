import Foundation
import NumCore
import Datasets

/// How `esans recommend` writes its lists.
public enum RecommendationFormat: String, CaseIterable, Sendable {
    /// One line per (user, item): `user<TAB>item<TAB>score<TAB>rank` with raw ids, rank from
    /// 1, after a header line.
    case tsv
    /// One JSON object per user: `{"user": ID, "items": [ID, ...], "scores": [S, ...]}`, raw ids.
    case jsonl
    /// A `users x K` array of `int32` item indices (`-1` pads short rows), with a JSON sidecar
    /// `FILE.json` (`recs.npy.json` beside `recs.npy`) mapping rows to user ids and indices to item ids.
    case npy

    /// The format a file name's extension stands for (`.tsv`, `.jsonl` or `.ndjson`, `.npy`), if any.
    public init?(fileExtensionOf path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "tsv": self = .tsv
        case "jsonl", "ndjson": self = .jsonl
        case "npy": self = .npy
        default: return nil
        }
    }
}

/// Writes blocks of recommendations (``RecommendationChunk``) to one file, atomically: TSV and
/// JSONL stream into a temporary file that replaces the destination on ``commit()``; the
/// `.npy` grid (4 bytes per entry) is kept in memory and written with its sidecar on commit.
/// Rows are formatted over the shared ``WorkerPool``. Nothing appears at the destination
/// unless every block was written.
public final class RecommendationWriter {
    /// The destination.
    public let url: URL
    /// The file format.
    public let format: RecommendationFormat
    /// Items per row.
    public let k: Int
    private let userIDs: IDMap
    private let itemIDs: IDMap
    private let run: String
    private let excludeKnown: Bool
    private let stream: AtomicFileWriter?
    private var grid: [Int32] = []
    private var rowUsers: [Int32] = []

    /// A writer of `k` items per user to `url`; ids come from `userIDs` and `itemIDs`. The
    /// `.npy` sidecar also records the run directory and whether known items were excluded.
    public init(url: URL, format: RecommendationFormat, k: Int, userIDs: IDMap, itemIDs: IDMap,
                run: String, excludeKnown: Bool) throws {
        self.url = url
        self.format = format
        self.k = k
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.run = run
        self.excludeKnown = excludeKnown
        switch format {
        case .tsv:
            stream = try AtomicFileWriter(url: url)
            try stream!.write("user\titem\tscore\trank\n")
        case .jsonl:
            stream = try AtomicFileWriter(url: url)
        case .npy:
            stream = nil
        }
    }

    /// The sidecar of an `.npy` output: `FILE.json` beside `FILE`.
    public static func sidecarURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent + ".json")
    }

    /// Writes one block (blocks must come in order).
    public func append(_ chunk: RecommendationChunk) throws {
        precondition(chunk.k == k, "RecommendationWriter: a block of \(chunk.k) columns for a writer of \(k)")
        rowUsers += chunk.users
        guard let stream else {
            grid += chunk.items
            return
        }
        let n = chunk.users.count
        let texts = UnsafeMutablePointer<String>.allocate(capacity: n)
        texts.initialize(repeating: "", count: n)
        defer { texts.deinitialize(count: n); texts.deallocate() }
        let format = self.format, userIDs = self.userIDs, itemIDs = self.itemIDs
        WorkerPool.shared.parallelFor(n) { r in
            texts[r] = format == .tsv ? Self.tsvRows(chunk, r, userIDs, itemIDs) : Self.jsonLine(chunk, r, userIDs, itemIDs)
        }
        var data = Data()
        for r in 0..<n { data.append(contentsOf: texts[r].utf8) }
        try stream.write(data)
    }

    /// Completes the output: renames the streamed file into place, or writes the `.npy` grid
    /// and its sidecar. Returns the files written.
    @discardableResult
    public func commit() throws -> [URL] {
        if let stream {
            try stream.commit()
            return [url]
        }
        let sidecar = Self.sidecarURL(for: url)
        var json = "{\"format\": \"esans recommendations\", \"shape\": [\(rowUsers.count), \(k)], \"padding\": -1, \"run\": "
        TextEscaping.appendJSONString(run, to: &json)
        json += ", \"exclude_train\": \(excludeKnown),\n \"users\": ["
        for (n, u) in rowUsers.enumerated() {
            if n > 0 { json += ", " }
            TextEscaping.appendJSONString(userIDs[Int(u)], to: &json)
        }
        json += "],\n \"items\": ["
        for (n, id) in itemIDs.externalIDs.enumerated() {
            if n > 0 { json += ", " }
            TextEscaping.appendJSONString(id, to: &json)
        }
        json += "]}\n"
        try AtomicFile.writeText(json, to: sidecar)
        // The grid last: an .npy at the destination always has its sidecar.
        try NPY.write(int32: grid, shape: [rowUsers.count, k], to: url)
        return [url, sidecar]
    }

    /// Drops the temporary file of an unfinished output (also done when the writer is released).
    public func discard() { stream?.discard() }

    /// Row `r` as TSV lines.
    static func tsvRows(_ chunk: RecommendationChunk, _ r: Int, _ userIDs: IDMap, _ itemIDs: IDMap) -> String {
        let user = userIDs[Int(chunk.users[r])]
        var text = ""
        for j in 0..<chunk.count(ofRow: r) {
            let e = r * chunk.k + j
            text += user + "\t" + itemIDs[Int(chunk.items[e])] + "\t" + String(chunk.scores[e]) + "\t" + String(j + 1) + "\n"
        }
        return text
    }

    /// Row `r` as one JSON line.
    static func jsonLine(_ chunk: RecommendationChunk, _ r: Int, _ userIDs: IDMap, _ itemIDs: IDMap) -> String {
        let count = chunk.count(ofRow: r)
        var text = "{\"user\": "
        TextEscaping.appendJSONString(userIDs[Int(chunk.users[r])], to: &text)
        text += ", \"items\": ["
        for j in 0..<count {
            if j > 0 { text += ", " }
            TextEscaping.appendJSONString(itemIDs[Int(chunk.items[r * chunk.k + j])], to: &text)
        }
        text += "], \"scores\": ["
        for j in 0..<count {
            if j > 0 { text += ", " }
            let s = chunk.scores[r * chunk.k + j]
            text += s.isFinite ? String(s) : "null"
        }
        return text + "]}\n"
    }
}
