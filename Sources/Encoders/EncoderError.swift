/// An error of the image encoder: a file that cannot be read or decoded, weights that are
/// missing or of the wrong shape, or JPEG decoding that is unavailable. The description names
/// the file (and the tensor, when there is one) and says what is wrong.
public struct EncoderError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Last path component of the file involved (or a name given for in-memory bytes).
    public let file: String
    /// The tensor concerned, when there is one.
    public let item: String?
    /// What is wrong, in words.
    public let problem: String

    /// An error about `file`, optionally about one tensor `item`.
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
