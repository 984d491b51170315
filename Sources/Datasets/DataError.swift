import Foundation

/// An error in input data, pointing at the file, the 1-based line and the field that caused it.
///
/// The description reads like a compiler diagnostic, for example
/// `train.txt:17: field 3 (item id): 'abc' is not a non-negative integer`.
public struct DataError: Error, CustomStringConvertible, Sendable {
    /// The file name (last path component) the problem was found in.
    public let file: String
    /// The 1-based line number, when the problem is tied to one line.
    public let line: Int?
    /// The field the problem is in, e.g. `field 3 (item id)` or `column 'timestamp'`.
    public let field: String?
    /// What is wrong, in plain words.
    public let message: String

    /// Creates an error. `file` may be a full path; only its last component is kept.
    public init(file: String, line: Int? = nil, field: String? = nil, message: String) {
        self.file = file.contains("/") ? URL(fileURLWithPath: file).lastPathComponent : file
        self.line = line
        self.field = field
        self.message = message
    }

    /// `file:line: field: message`, leaving out the parts that are unknown.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let field { text += "\(field): " }
        return text + message
    }

    /// A field label such as `field 3 (item id)` for a 1-based position and a role.
    static func fieldLabel(_ position: Int, _ role: String) -> String {
        "field \(position) (\(role))"
    }

    /// The longest excerpt of input a message quotes, in characters.
    public static let excerptLimit = 80

    /// A piece of input as a message shows it: printable characters only (each control,
    /// format or unassigned character, and each byte that is not UTF-8, becomes `?`), cut
    /// after ``excerptLimit`` characters with `...`, so that a binary file read as text
    /// cannot fill the terminal or move its cursor.
    public static func excerpt(_ text: String) -> String {
        var shown = ""
        var count = 0
        for ch in text {
            if count == excerptLimit { shown += "..."; break }
            shown.append(isPrintable(ch) ? ch : "?")
            count += 1
        }
        return shown
    }

    /// Quotes a piece of input for a message, as an ``excerpt(_:)`` in single quotes.
    public static func quote(_ token: String) -> String { "'\(excerpt(token))'" }

    /// A list of names from the input (a header's columns) for a message: each an excerpt,
    /// quoted unless `quoted` is false, the first `limit` of them and how many more there
    /// are (`'user', 'item', ... and 130 more`).
    public static func quoteList(_ names: [String], quoted: Bool = true, limit: Int = 12) -> String {
        let shown = names.prefix(limit).map(quoted ? quote : excerpt).joined(separator: ", ")
        return names.count > limit ? shown + " and \(names.count - limit) more" : shown
    }

    /// Whether `ch` shows as itself on a terminal: no control, format, private-use,
    /// surrogate or unassigned scalar, and not U+FFFD (the stand-in for bytes that are not UTF-8).
    static func isPrintable(_ ch: Character) -> Bool {
        ch.unicodeScalars.allSatisfy { scalar in
            if scalar == "\u{FFFD}" { return false }
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate, .unassigned, .lineSeparator, .paragraphSeparator: return false
            default: return true
            }
        }
    }
}
