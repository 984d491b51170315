#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Escaping text for the formats esans writes by hand: JSON string literals (safetensors
/// headers, HTTP responses), XML (SVG charts, HTML reports) and Markdown table cells
/// (`report.md`). One implementation each.
public enum TextEscaping {
    /// Appends `text` to `out` as a JSON string literal, quotes included: `"`, `\` and the
    /// control characters escaped (`\n`, `\r`, `\t`, else `\u00XX`), everything else as is.
    public static func appendJSONString(_ text: String, to out: inout String) {
        out += "\""
        for u in text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    /// `text` as a JSON string literal, quotes included.
    public static func jsonString(_ text: String) -> String {
        var out = ""
        appendJSONString(text, to: &out)
        return out
    }

    /// `text` as the content of one Markdown table cell, shown literally: `& < >` as
    /// entities (so no HTML gets through), the characters Markdown would read as formatting or
    /// as a column break (backslash, backtick, `*`, `_`, `[`, `]`, `|`, `#`) behind a
    /// backslash, line breaks as spaces.
    public static func markdownCell(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            if let entity = markupEntity(c) { out += entity; continue }
            switch c {
            case "\\", "`", "*", "_", "[", "]", "|", "#": out.append("\\"); out.append(c)
            case "\n", "\r", "\r\n": out.append(" ")
            default: out.append(c)
            }
        }
        return out
    }

    /// `text` made safe for XML content and attribute values (`& < > " '` as entities).
    public static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            if let entity = markupEntity(c) { out += entity; continue }
            switch c {
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    /// The entity of `& < >`, which neither HTML/XML nor a Markdown cell may hold literally.
    @inline(__always) private static func markupEntity(_ c: Character) -> String? {
        switch c {
        case "&": "&amp;"
        case "<": "&lt;"
        case ">": "&gt;"
        default: nil
        }
    }
}
