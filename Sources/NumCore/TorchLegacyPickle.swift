import Foundation

/// The tensors of a PyTorch file in the legacy (non-zip) serialization that `torch.save`
/// wrote before PyTorch 1.6 (and still writes with `_use_new_zipfile_serialization=False`).
///
/// Layout of such a file, each part read in turn:
/// 1. a pickle of the magic number `0x1950a86a20f9469cfc6c`;
/// 2. a pickle of the protocol version, `1001`;
/// 3. a pickle of the system info, `{"protocol_version": 1001, "little_endian": True,
///    "type_sizes": {...}}` (big-endian files are refused);
/// 4. the pickled object itself, a state dict of tensors. A tensor is a call of
///    `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`
///    (or `_rebuild_tensor`, possibly wrapped in `_rebuild_parameter`), and a storage is a
///    persistent id `("storage", torch.FloatStorage, key, location, numel, view)`;
/// 5. a pickle of the list of storage keys, in the order their bytes follow;
/// 6. for each key, an 8-byte little-endian element count and the storage's raw
///    little-endian bytes.
///
/// Reading maps the file and checks everything up front: the magic number, the opcodes
/// (see ``PickleMachine``), that every storage's bytes are in the file with the element count
/// its id declares, and that every tensor's shape, strides and offset stay inside its storage.
/// Values are converted only when asked for, honouring strides, so permuted (non-contiguous)
/// tensors such as converted TensorFlow kernels come out in row-major order. Nested dicts are
/// flattened with dotted names; non-tensor entries are skipped.
public struct TorchLegacyPickle: @unchecked Sendable {
    /// One tensor: where its elements are and how to walk them.
    public struct Tensor: Sendable, Equatable {
        /// Element type.
        public let dtype: TorchDType
        /// Shape (empty for a 0-d tensor).
        public let shape: [Int]
        /// Strides in elements.
        public let strides: [Int]
        /// Offset of the first element in its storage, in elements.
        public let storageOffset: Int
        /// Byte offset in the file of the storage's first element.
        public let storageByteOffset: Int
        /// Byte offset of the pickle opcode that built the tensor (for errors).
        public let pickleOffset: Int
        /// Number of elements.
        public var count: Int { shape.reduce(1, *) }
    }

    /// File name used in errors.
    public let fileName: String
    /// Tensor names in the order of the state dict.
    public let names: [String]
    /// Tensors by name.
    public let tensors: [String: Tensor]
    private let data: Data

    /// The magic number's 10 little-endian bytes.
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// Reads the file at `url` (memory-mapped).
    /// - Throws: ``TorchPickleError`` naming the file, the byte offset and the problem.
    public static func read(from url: URL) throws -> TorchLegacyPickle {
        let data: Data
        do { data = try FileData.read(url, options: .alwaysMapped) } catch {
            throw TorchPickleError(file: url.lastPathComponent, offset: 0, problem: "cannot read file: \(FileErrorReason.text(error))")
        }
        return try read(data: data, fileName: url.lastPathComponent)
    }

    /// Reads a legacy PyTorch file held in `data`; `fileName` names it in errors.
    /// - Throws: ``TorchPickleError``.
    public static func read(data: Data, fileName: String) throws -> TorchLegacyPickle {
        try data.withUnsafeBytes { raw in
            var parser = LegacyFileParser(bytes: raw, fileName: fileName)
            let (names, tensors) = try parser.parse()
            return TorchLegacyPickle(fileName: fileName, names: names, tensors: tensors, data: data)
        }
    }

    private func entry(_ name: String) throws -> Tensor {
        guard let t = tensors[name] else {
            throw TorchPickleError(file: fileName, offset: 0, problem: "no tensor named '\(name)' (have \(names.count): \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", ..." : ""))")
        }
        return t
    }

    /// Visits the elements of `t` in row-major order, handing `body` their storage indices.
    private func walk(_ t: Tensor, _ body: (Int) -> Void) {
        let rank = t.shape.count
        if t.count == 0 { return }
        if rank == 0 { body(t.storageOffset); return }
        var index = [Int](repeating: 0, count: rank)
        var position = t.storageOffset
        let last = rank - 1
        let innerStride = t.strides[last], innerCount = t.shape[last]
        while true {
            var p = position
            for _ in 0..<innerCount { body(p); p += innerStride }
            // Advance the outer dimensions like an odometer.
            var d = last - 1
            while d >= 0 {
                index[d] += 1
                position += t.strides[d]
                if index[d] < t.shape[d] { break }
                position -= t.strides[d] * t.shape[d]
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// Tensor `name`'s elements in row-major order, converted to `Float`.
    /// - Throws: ``TorchPickleError`` when there is no such tensor.
    public func floats(_ name: String) throws -> [Float] {
        let t = try entry(name)
        var out = [Float]()
        out.reserveCapacity(t.count)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + t.storageByteOffset
            if t.dtype == .float32 {
                walk(t) { out.append(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))) }
            } else {
                walk(t) { out.append(Float(t.dtype.load(base, $0))) }
            }
        }
        return out
    }

    /// Tensor `name`'s elements in row-major order as `Int64` (integer and bool tensors).
    /// - Throws: ``TorchPickleError`` when there is no such tensor or it is floating-point.
    public func int64s(_ name: String) throws -> [Int64] {
        let t = try entry(name)
        guard !t.dtype.isFloatingPoint else {
            throw TorchPickleError(file: fileName, offset: t.pickleOffset, problem: "tensor '\(name)' is \(t.dtype.rawValue), not an integer type")
        }
        var out = [Int64]()
        out.reserveCapacity(t.count)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + t.storageByteOffset
            if t.dtype == .int64 {
                walk(t) { out.append(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            } else {
                walk(t) { out.append(Int64(t.dtype.load(base, $0))) }
            }
        }
        return out
    }

    /// The tensors as a safetensors file, for fast loading later. Floating-point tensors become
    /// `F32` matrices of `shape[0] x (product of the other dimensions)` (1-D and 0-d tensors
    /// `1 x n`), integer tensors `I64` of their own shape; the original shapes are kept in the
    /// metadata entry `torch_shapes` (JSON: name to dimension list) and the source file name in
    /// `source`.
    public func safeTensors() throws -> SafeTensorsFile {
        var file = SafeTensorsFile()
        var shapes = [String]()
        for name in names {
            let t = tensors[name]!
            if t.dtype.isFloatingPoint {
                let rows = t.shape.count >= 2 ? t.shape[0] : 1
                let m = Matrix(rows: rows, cols: rows == 0 ? 0 : t.count / rows)
                let values = try floats(name)
                if !values.isEmpty { values.withUnsafeBufferPointer { m.data.update(from: $0.baseAddress!, count: values.count) } }
                file.add(name: name, matrix: m)
            } else {
                file.add(name: name, int64: try int64s(name), shape: t.shape)
            }
            shapes.append("\(Self.jsonQuoted(name)):[\(t.shape.map(String.init).joined(separator: ","))]")
        }
        file.metadata["torch_shapes"] = "{" + shapes.joined(separator: ",") + "}"
        file.metadata["source"] = fileName
        return file
    }

    private static func jsonQuoted(_ s: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed])
        let array = data.flatMap { String(data: $0, encoding: .utf8) } ?? "[\"?\"]"
        return String(array.dropFirst().dropLast())
    }
}
