import NumCore

/// A table of the report, rendered as Markdown or HTML from the same cells.
public struct ReportTable: Sendable {
    /// Heading shown above the table.
    public var caption: String
    /// Column headings.
    public var header: [String]
    /// Rows of cells (the first cell names the variant).
    public var rows: [[String]]

    /// A table with these cells.
    public init(caption: String, header: [String], rows: [[String]]) {
        self.caption = caption
        self.header = header
        self.rows = rows
    }

    /// GitHub-flavoured Markdown: first column left-aligned, the others right-aligned.
    public var markdown: String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        var out = "### \(caption)\n\n" + line(header) + "\n"
        out += "|" + header.indices.map { $0 == 0 ? ":---" : "---:" }.joined(separator: "|") + "|\n"
        for r in rows { out += line(r) + "\n" }
        return out
    }

    /// An HTML `<table>` with its caption as a heading.
    public var html: String {
        var out = "<h3>\(HTMLText.escape(caption))</h3>\n<table>\n<thead><tr>"
        out += header.map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for r in rows {
            out += "<tr>" + r.enumerated().map { i, c in i == 0 ? "<th scope=\"row\">\(HTMLText.escape(c))</th>" : "<td>\(HTMLText.escape(c))</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }
}

/// HTML text escaping (the same rules as for SVG).
enum HTMLText {
    /// `s` with `& < > " '` escaped.
    static func escape(_ s: String) -> String { SVGChart.escape(s) }
}
