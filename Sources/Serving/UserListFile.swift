import Foundation
import NumCore
import Datasets

/// A file of raw user ids, one per line (what `esans recommend --users` reads). Blank lines
/// are skipped and spaces around an id ignored; the ids keep the file's order, repeats included.
public enum UserListFile {
    /// The indices in `users` of the ids listed in the file at `path`.
    /// - Throws: ``DataError`` naming the file and line of an id that is not in `users`, or
    ///   when the file cannot be read or lists no id.
    public static func read(path: String, users: IDMap) throws -> [Int32] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DataError(file: path, message: "cannot read the user list: \(FileErrorReason.text(error))")
        }
        var result: [Int32] = []
        var lineNumber = 0
        // "\r\n" is one Character, and one line break.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }) {
            lineNumber += 1
            let id = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if id.isEmpty { continue }
            guard let u = users.index(of: id) else {
                throw DataError(file: path, line: lineNumber, message: "unknown user id '\(id)': not a user of the run's "
                                    + "training data (\(users.count) users)")
            }
            result.append(Int32(u))
        }
        guard !result.isEmpty else { throw DataError(file: path, message: "the user list has no ids") }
        return result
    }
}
