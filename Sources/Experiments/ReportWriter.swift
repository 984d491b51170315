import Foundation
import NumCore
import Training

/// Writes the results of a plan into the experiment directory, every file atomically:
/// `compare.json`, `compare.csv`, the SVG charts, `report.md` (referencing the SVGs) and
/// `report.html` (with the SVGs inline, readable offline as one file).
public enum ReportWriter {
    /// Writes every file for `summary` of `plan` into `directory` and returns their URLs.
    @discardableResult
    public static func write(summary: ExperimentSummary, plan: ExperimentPlan, to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let content = ReportContent(summary: summary, plan: plan)
        var written: [URL] = []
        func put(_ name: String, _ data: Data) throws {
            let url = directory.appendingPathComponent(name)
            try AtomicFile.write(data, to: url)
            written.append(url)
        }
        try put("compare.json", CompareJSON.data(summary: summary, plan: plan))
        try put("compare.csv", Data(csv(summary).utf8))
        for chart in content.charts { try put(chart.file, Data(chart.svg.utf8)) }
        try put("report.md", Data(markdown(content).utf8))
        try put("report.html", Data(html(content).utf8))
        return written
    }

    /// One row per variant: means, sds and relative changes of every metric, speed, false negatives.
    public static func csv(_ s: ExperimentSummary) -> String {
        let metrics = s.metricNames
        var header = ["variant", "label", "seeds"]
        header += metrics.flatMap { ["\($0)_mean", "\($0)_sd"] }
        header += metrics.map { "\($0)_relative_change" }
        header += ["train_seconds_per_epoch", "false_negative_rate"]
        var lines = [header.joined(separator: ",")]
        for v in s.variants {
            var row = [csvField(v.name), csvField(v.label), String(v.seeds.count)]
            row += metrics.flatMap { m in v.metrics[m].map { [number($0.mean), number($0.sd)] } ?? ["", ""] }
            row += metrics.map { m in v.relativeChange[m].map(number) ?? "" }
            row += [number(v.trainSecondsPerEpoch.mean), number(v.falseNegativeRate)]
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A number at full precision (round-trips).
    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "" }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    static func csvField(_ s: String) -> String {
        s.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The Markdown report; charts are referenced as image files next to it.
    public static func markdown(_ c: ReportContent) -> String {
        var out = "# \(c.title)\n\n"
        out += c.setup.map { "- \($0)" }.joined(separator: "\n") + "\n\n"
        if !c.notes.isEmpty { out += "## Budget\n\n" + c.notes.map { "- \($0)" }.joined(separator: "\n") + "\n\n" }
        out += "## Results\n\n"
        out += c.tables.map(\.markdown).joined(separator: "\n") + "\n"
        out += "## Charts\n\n"
        out += c.charts.map { "![\($0.alt)](\($0.file))" }.joined(separator: "\n\n") + "\n\n"
        out += "Runs: `runs/<variant>-seed<k>/` (config.json, metrics.json, model, embeddings). Machine-readable: `compare.json`, `compare.csv`.\n"
        return out
    }

    /// A single-file HTML report with the charts inline.
    public static func html(_ c: ReportContent) -> String {
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTMLText.escape(c.title))</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
        th, td { border: 1px solid #ccc; padding: 4px 10px; }
        td { text-align: right; font-variant-numeric: tabular-nums; }
        thead th { background: #f2f2f2; }
        tbody th { text-align: left; font-weight: normal; }
        figure { margin: 1em 0; }
        code { background: #f4f4f4; padding: 0 3px; }
        </style></head><body>
        <h1>\(HTMLText.escape(c.title))</h1>

        """
        out += "<ul>\n" + c.setup.map { "<li>\(inlineCode($0))</li>\n" }.joined() + "</ul>\n"
        if !c.notes.isEmpty { out += "<h2>Budget</h2>\n<ul>\n" + c.notes.map { "<li>\(inlineCode($0))</li>\n" }.joined() + "</ul>\n" }
        out += "<h2>Results</h2>\n" + c.tables.map(\.html).joined()
        out += "<h2>Charts</h2>\n"
        for chart in c.charts { out += "<figure>\n\(chart.svg)<figcaption>\(HTMLText.escape(chart.alt))</figcaption>\n</figure>\n" }
        return out + "</body></html>\n"
    }

    /// Escapes `s` for HTML and turns Markdown `code` spans into `<code>`.
    static func inlineCode(_ s: String) -> String {
        let parts = s.split(separator: "`", omittingEmptySubsequences: false)
        return parts.enumerated().map { i, p in
            let e = HTMLText.escape(String(p))
            return i % 2 == 1 && i < parts.count - 1 ? "<code>\(e)</code>" : e
        }.joined()
    }
}
