import Foundation

/// An error loading the text encoder: a missing or malformed file, a configuration the
/// encoder does not support, or a tensor of the wrong shape. The description names the file
/// (and the tensor or key, when there is one) and says what is wrong.
public struct SemanticError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Last path component of the file involved (`config.json`, `model.safetensors`, ...).
    public let file: String
    /// The tensor or JSON key concerned, when there is one.
    public let item: String?
    /// What is wrong, in words.
    public let problem: String

    /// An error about `file`, optionally about one tensor or key `item`.
    public init(file: String, item: String? = nil, problem: String) {
        self.file = file
        self.item = item
        self.problem = problem
    }

    /// `"<file>: '<item>': <problem>"`, or `"<file>: <problem>"` without an item.
    public var description: String {
        if let item { return "\(file): '\(item)': \(problem)" }
        return "\(file): \(problem)"
    }
}
