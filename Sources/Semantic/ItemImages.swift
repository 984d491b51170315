import Foundation
import NumCore
import Datasets

/// The image of each data set item, found from an image SPEC:
/// - a folder holding `posters.tsv` (see ``PosterTable``), or that file itself: items join
///   on `movie_id` when more item ids are `movie_id`s than are titles, else on `title`
///   through ``TitleJoin`` (exact, then accents folded, then non-ASCII wildcards; ambiguous
///   titles get no image and are counted);
/// - a plain folder of `<item_id>.jpg` (or `.jpeg`) files: items join on the file name.
///
/// Nothing is guessed silently: ``summary`` counts every outcome and ``report`` says it in words.
public struct ItemImages: Sendable {
    /// What the join found.
    public struct Summary: Sendable, Equatable {
        /// Data set items.
        public var items = 0
        /// Items with an image file.
        public var withImage = 0
        /// Items whose table row has no image (empty `file`).
        public var matchedWithoutImage = 0
        /// Items no row or file matched.
        public var unmatched = 0
        /// Items left without an image because their (normalised) title or file name was shared.
        public var ambiguous = 0
        /// Table rows or files with an image that no item matched.
        public var unusedImages = 0
        /// Items matched per ``TitleJoin/Pass`` (title joins only).
        public var byPass: [TitleJoin.Pass: Int] = [:]
        /// `movie_id`, `title` or `file name`.
        public var joinedOn = ""
    }

    /// For each item index, its image file or nil.
    public let files: [URL?]
    /// The counts.
    public let summary: Summary
    /// What was done, in words (the counts, then the first few unmatched and ambiguous ids).
    public let report: [String]

    /// The images of `items` from `spec`.
    /// - Throws: ``SemanticError`` naming the path when the SPEC does not exist or holds no
    ///   images, the table is malformed (with its line), or a matched row names a missing file.
    public static func resolve(spec: URL, items: IDMap) throws -> ItemImages {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: spec.path, isDirectory: &isDirectory) else {
            throw SemanticError(file: spec.path, problem: "no such file or folder (--images expects a folder with posters.tsv, a posters.tsv file, or a folder of <item_id>.jpg files)")
        }
        if !isDirectory.boolValue { return try fromTable(PosterTable(contentsOf: spec), items: items) }
        let table = spec.appendingPathComponent("posters.tsv")
        if FileManager.default.fileExists(atPath: table.path) { return try fromTable(PosterTable(contentsOf: table), items: items) }
        return try fromFolder(spec, items: items)
    }

    /// Joins `table` to `items`.
    /// - Throws: ``SemanticError`` when a matched row's image file does not exist.
    public static func fromTable(_ table: PosterTable, items: IDMap) throws -> ItemImages {
        var s = Summary()
        s.items = items.count
        let ids = items.externalIDs
        let rowIDs = Set(table.rows.map(\.id)), rowTitles = Set(table.rows.map(\.title))
        let byID = ids.filter(rowIDs.contains).count > ids.filter(rowTitles.contains).count
        var rowOf = [Int?](repeating: nil, count: ids.count)
        var ambiguousItems: Set<Int> = []
        var ambiguityNotes: [String] = []
        if byID {
            s.joinedOn = "movie_id"
            let index = Dictionary(uniqueKeysWithValues: table.rows.enumerated().map { ($1.id, $0) })
            for (i, id) in ids.enumerated() { rowOf[i] = index[id] }
        } else {
            s.joinedOn = "title"
            let join = TitleJoin(left: ids, right: table.rows.map(\.title))
            rowOf = join.match
            for p in TitleJoin.Pass.allCases { s.byPass[p] = join.count(p) }
            ambiguousItems = Set(join.ambiguousLeft)
            ambiguityNotes = join.ambiguities.prefix(5).map { a in
                "ambiguous \(a.pass.rawValue) key '\(a.key)': items " + a.left.map { "'\(ids[$0])'" }.joined(separator: ", ")
                    + "; rows at lines " + a.right.map { String(table.rows[$0].line) }.joined(separator: ", ")
            }
        }
        var files = [URL?](repeating: nil, count: ids.count)
        var used = [Bool](repeating: false, count: table.rows.count)
        for i in ids.indices {
            guard let r = rowOf[i] else { continue }
            used[r] = true
            let row = table.rows[r]
            guard let file = row.file else { s.matchedWithoutImage += 1; continue }
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw SemanticError(file: table.url.path, item: "line \(row.line)", problem: "image \(file.path) (for item '\(ids[i])') does not exist")
            }
            files[i] = file
        }
        s.withImage = files.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        s.ambiguous = ambiguousItems.count
        s.unmatched = rowOf.reduce(0) { $0 + ($1 == nil ? 1 : 0) } - s.ambiguous
        s.unusedImages = table.rows.indices.filter { !used[$0] && table.rows[$0].file != nil }.count
        let unmatched = ids.indices.filter { rowOf[$0] == nil && !ambiguousItems.contains($0) }
        var report = [summaryLine(s, source: table.url.lastPathComponent)]
        if !unmatched.isEmpty { report.append("unmatched items (first 5): " + unmatched.prefix(5).map { "'\(ids[$0])'" }.joined(separator: ", ")) }
        report += ambiguityNotes
        return ItemImages(files: files, summary: s, report: report)
    }

    /// Joins the `<item_id>.jpg` / `.jpeg` files of `folder` to `items`.
    /// - Throws: ``SemanticError`` when the folder cannot be listed or holds no such file.
    public static func fromFolder(_ folder: URL, items: IDMap) throws -> ItemImages {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() } catch {
            throw SemanticError(file: folder.path, problem: "cannot list the folder: \(FileErrorReason.text(error))")
        }
        let images = names.filter { ["jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
        guard !images.isEmpty else {
            throw SemanticError(file: folder.path, problem: "holds neither posters.tsv nor any <item_id>.jpg file")
        }
        var s = Summary()
        s.items = items.count
        s.joinedOn = "file name"
        var byItem: [Int: [String]] = [:]
        for name in images {
            if let i = items.index(of: (name as NSString).deletingPathExtension) { byItem[i, default: []].append(name) } else { s.unusedImages += 1 }
        }
        var files = [URL?](repeating: nil, count: items.count)
        var notes: [String] = []
        for i in byItem.keys.sorted() {
            let candidates = byItem[i]!
            if candidates.count == 1 {
                files[i] = folder.appendingPathComponent(candidates[0])
            } else {
                s.ambiguous += 1
                if notes.count < 5 { notes.append("ambiguous: item '\(items[i])' has \(candidates.joined(separator: " and "))") }
            }
        }
        s.withImage = files.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        s.unmatched = items.count - s.withImage - s.ambiguous
        return ItemImages(files: files, summary: s, report: [summaryLine(s, source: folder.lastPathComponent)] + notes)
    }

    static func summaryLine(_ s: Summary, source: String) -> String {
        var line = "\(source) joined on \(s.joinedOn): \(s.withImage) of \(s.items) items have an image"
        if !s.byPass.isEmpty {
            line += " (title matches: " + TitleJoin.Pass.allCases.map { "\($0.rawValue) \(s.byPass[$0] ?? 0)" }.joined(separator: ", ") + ")"
        }
        if s.matchedWithoutImage > 0 { line += "; \(s.matchedWithoutImage) matched a row without an image" }
        line += "; \(s.unmatched) unmatched, \(s.ambiguous) ambiguous (no image); \(s.unusedImages) images matched no item"
        return line
    }
}
