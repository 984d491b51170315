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

    /// Quotes a token for a message, shortening very long ones.
    static func quote(_ token: String) -> String {
        let shown = token.count > 40 ? String(token.prefix(40)) + "..." : token
        return "'\(shown)'"
    }
}
