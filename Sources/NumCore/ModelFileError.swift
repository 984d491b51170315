/// An error loading a model's files (weights, configuration, vocabulary, an image): a missing
/// or malformed file, a setting the code does not support, or a tensor of the wrong shape. The
/// description names the file (and the tensor or key, when there is one) and says what is
/// wrong. The text encoder (`TextEncoderError`), the image encoder (`EncoderError`) and MSAC
/// (`SemanticError`) throw it.
public struct ModelFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Last path component of the file involved (`config.json`, `model.safetensors`, ...).
    public let file: String
    /// The tensor or key concerned, when there is one.
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
