import Foundation

/// An error reading or writing a tensor file (`.npy`, `.safetensors`) or writing a file
/// atomically. The description names the file, the tensor when there is one, and what is wrong.
public struct TensorIOError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Last path component of the file involved.
    public let file: String
    /// The tensor the problem concerns, when there is one.
    public let tensor: String?
    /// What is wrong, in words.
    public let problem: String

    /// An error about `file` (a path or URL's last component), optionally about one `tensor`.
    public init(file: String, tensor: String? = nil, problem: String) {
        self.file = file
        self.tensor = tensor
        self.problem = problem
    }

    /// An error about the file at `url`.
    public init(url: URL, tensor: String? = nil, problem: String) {
        self.init(file: url.lastPathComponent, tensor: tensor, problem: problem)
    }

    /// `"<file>: tensor '<name>': <problem>"`.
    public var description: String {
        if let tensor { return "\(file): tensor '\(tensor)': \(problem)" }
        return "\(file): \(problem)"
    }
}
