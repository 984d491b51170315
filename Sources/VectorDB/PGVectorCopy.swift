import Foundation

/// The text forms pgvector and `COPY ... FROM STDIN` (text format) read: vector literals and
/// tab-separated rows.
public enum PGVectorCopy {
    /// `[x1,x2,...]`: each value in Swift's shortest form that reads back to the same Float.
    public static func vectorLiteral<C: Collection>(_ values: C) -> String where C.Element == Float {
        var s = "["
        s.reserveCapacity(values.count * 12 + 2)
        var first = true
        for x in values {
            if !first { s += "," }
            first = false
            s += x.description
        }
        return s + "]"
    }

    /// Parses a vector as PostgreSQL prints it (`[1,2.5,-3e-05]`); nil when it is not one.
    public static func parseVector(_ text: String) -> [Float]? {
        guard text.hasPrefix("["), text.hasSuffix("]") else { return nil }
        let body = text.dropFirst().dropLast()
        if body.isEmpty { return [] }
        var out: [Float] = []
        for part in body.split(separator: ",", omittingEmptySubsequences: false) {
            guard let x = Float(part.trimmingCharacters(in: .whitespaces)) else { return nil }
            out.append(x)
        }
        return out
    }

    /// `text` escaped for a field of COPY's text format: backslash, tab, newline and carriage
    /// return are written as `\\`, `\t`, `\n`, `\r` (anything else goes through as is).
    public static func escapeField(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 92 || $0 == 9 || $0 == 10 || $0 == 13 }) else { return text }
        var s = ""
        s.reserveCapacity(text.utf8.count + 8)
        for c in text.unicodeScalars {
            switch c {
            case "\\": s += "\\\\"
            case "\t": s += "\\t"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            default: s.unicodeScalars.append(c)
            }
        }
        return s
    }

    /// Appends one row `id<TAB>[vector]<TAB>primary<TAB>secondary<LF>` (`\N`, SQL NULL, for
    /// missing codes).
    public static func appendRow<C: Collection>(id: String, vector: C, primary: Int32?, secondary: Int32?,
                                                to out: inout String) where C.Element == Float {
        out += escapeField(id)
        out += "\t"
        out += vectorLiteral(vector)
        out += "\t"
        out += primary.map { String($0) } ?? "\\N"
        out += "\t"
        out += secondary.map { String($0) } ?? "\\N"
        out += "\n"
    }
}
