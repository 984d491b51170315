import Foundation

/// An image table such as `posters.tsv`: a header line `movie_id<TAB>title<TAB>file`, then one
/// line per film. `file` is a path relative to the table's folder (or absolute), empty for a
/// film without an image. Lines end in `\n` or `\r\n`; blank lines are skipped.
public struct PosterTable: Sendable {
    /// One line of the table.
    public struct Row: Sendable, Equatable {
        /// The `movie_id` field.
        public let id: String
        /// The `title` field.
        public let title: String
        /// The image, or nil when `file` is empty.
        public let file: URL?
        /// Line number in the table (1-based, the header is line 1).
        public let line: Int
    }

    /// The header the table must start with.
    public static let header = ["movie_id", "title", "file"]

    /// The table's path, for messages.
    public let url: URL
    /// The rows, in file order.
    public let rows: [Row]

    /// Reads the table at `url`.
    /// - Throws: ``SemanticError`` naming the file (and the line) when it cannot be read, is not
    ///   UTF-8, has another header, has a line without exactly three tab-separated fields or
    ///   with an empty `movie_id`, or repeats a `movie_id`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SemanticError(file: url.path, problem: "cannot read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SemanticError(file: url.path, problem: "is not valid UTF-8")
        }
        try self.init(text: text, url: url)
    }

    /// Parses `text` as the table at `url` (which resolves relative image paths).
    /// - Throws: ``SemanticError`` as ``init(contentsOf:)``.
    public init(text: String, url: URL) throws {
        self.url = url
        let folder = url.deletingLastPathComponent()
        var rows: [Row] = []
        var seenIDs: [String: Int] = [:]
        var sawHeader = false
        for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = k + 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if !sawHeader {
                guard fields == Self.header else {
                    throw SemanticError(file: url.path, item: "line \(lineNumber)",
                                        problem: "expected the header '\(Self.header.joined(separator: "<TAB>"))', found '\(line.prefix(80))'")
                }
                sawHeader = true
                continue
            }
            guard fields.count == 3 else {
                throw SemanticError(file: url.path, item: "line \(lineNumber)",
                                    problem: "expected 3 tab-separated fields (movie_id, title, file), found \(fields.count)")
            }
            let id = fields[0].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw SemanticError(file: url.path, item: "line \(lineNumber)", problem: "empty movie_id") }
            if let earlier = seenIDs[id] {
                throw SemanticError(file: url.path, item: "line \(lineNumber)", problem: "movie_id '\(id)' repeats line \(earlier)")
            }
            seenIDs[id] = lineNumber
            let path = fields[2].trimmingCharacters(in: .whitespaces)
            let file = path.isEmpty ? nil : (path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path))
            rows.append(Row(id: id, title: fields[1], file: file, line: lineNumber))
        }
        guard sawHeader else { throw SemanticError(file: url.path, problem: "is empty (expected the header '\(Self.header.joined(separator: "<TAB>"))')") }
        self.rows = rows
    }
}
