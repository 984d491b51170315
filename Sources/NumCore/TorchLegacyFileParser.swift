/// A storage named by a persistent id of a legacy PyTorch file.
final class TorchStorageRef {
    let key: String
    let dtype: TorchDType
    /// Elements the id declares (of the root storage when this is a view).
    let declaredCount: Int
    /// For a storage view (`view_metadata`), the element offset into the root storage.
    let viewOffset: Int
    /// Elements visible through this reference.
    let viewCount: Int
    /// Offset of the `BINPERSID` opcode.
    let pickleOffset: Int

    init(key: String, dtype: TorchDType, declaredCount: Int, viewOffset: Int, viewCount: Int, pickleOffset: Int) {
        self.key = key
        self.dtype = dtype
        self.declaredCount = declaredCount
        self.viewOffset = viewOffset
        self.viewCount = viewCount
        self.pickleOffset = pickleOffset
    }
}

/// A tensor rebuilt by `_rebuild_tensor(_v2)`, before its storage bytes are located.
final class TorchTensorRef {
    let storage: TorchStorageRef
    let offset: Int
    let shape: [Int]
    let strides: [Int]
    let pickleOffset: Int

    init(storage: TorchStorageRef, offset: Int, shape: [Int], strides: [Int], pickleOffset: Int) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.strides = strides
        self.pickleOffset = pickleOffset
    }
}

/// Reads the parts of a legacy PyTorch file in order (see ``TorchLegacyPickle``).
struct LegacyFileParser {
    let bytes: UnsafeRawBufferPointer
    let fileName: String
    var position = 0
    /// Storages by key, as the persistent ids name them.
    var storages: [String: TorchStorageRef] = [:]
    /// The lists, dicts and objects of every pickle run so far, released by ``parse()`` when
    /// it is done with them (see ``PickleMachine/release(_:)``).
    var containers: [PickleValue] = []

    init(bytes: UnsafeRawBufferPointer, fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
    }

    func fail(_ offset: Int, _ problem: String) -> TorchPickleError {
        TorchPickleError(file: fileName, offset: offset, problem: problem)
    }

    /// Runs one pickle from ``position`` with the tensor hooks.
    mutating func unpickle() throws -> PickleValue {
        var storages = self.storages
        let fileName = self.fileName
        let fail = { (o: Int, p: String) in TorchPickleError(file: fileName, offset: o, problem: p) }
        var machine = PickleMachine(
            bytes: bytes, fileName: fileName, position: position,
            persistentLoad: { pid, op in
                let ref = try Self.storage(pid, op, fail)
                if let known = storages[ref.key] {
                    guard known.dtype == ref.dtype else {
                        throw fail(op, "storage '\(ref.key)' is named as \(known.dtype.rawValue) and as \(ref.dtype.rawValue)")
                    }
                } else if ref.viewOffset == 0 && ref.viewCount == ref.declaredCount {
                    storages[ref.key] = ref
                } else {
                    storages[ref.key] = TorchStorageRef(key: ref.key, dtype: ref.dtype, declaredCount: ref.declaredCount,
                                                        viewOffset: 0, viewCount: ref.declaredCount, pickleOffset: op)
                }
                return .external(ref)
            },
            reduce: { callable, args, op in try Self.reduce(callable, args, op, fail) })
        defer { containers += machine.containers }
        let value = try machine.load()
        position = machine.position
        self.storages = storages
        return value
    }

    /// `("storage", torch.XStorage, key, location, numel, view_metadata)`.
    static func storage(_ pid: PickleValue, _ op: Int, _ fail: (Int, String) -> TorchPickleError) throws -> TorchStorageRef {
        guard let items = pid.elements, items.count >= 5, items[0].stringValue == "storage" else {
            throw fail(op, "persistent id is a \(pid.kind), not a ('storage', type, key, location, size, view) tuple")
        }
        guard case .global(_, let className) = items[1], let dtype = TorchDType(storageClass: className) else {
            throw fail(op, "storage type \(items[1].kind) is not a supported torch.*Storage class")
        }
        guard let key = items[2].stringValue else { throw fail(op, "storage key is a \(items[2].kind), not a string") }
        guard let n = items[4].intValue, n >= 0, n <= Int64(Int32.max) * 64 else {
            throw fail(op, "storage '\(key)' has an invalid element count (\(items[4].kind))")
        }
        var viewOffset = 0, viewCount = Int(n)
        if items.count > 5, let view = items[5].elements {
            // (view_key, offset, view_size): a view of `offset..<offset + view_size` of the
            // root storage `key`, whose element count is `numel`.
            guard view.count == 3, let o = view[1].intValue, let c = view[2].intValue, o >= 0, c >= 0, o + c <= n else {
                throw fail(op, "storage '\(key)' has an invalid view \(items[5].kind)")
            }
            viewOffset = Int(o)
            viewCount = Int(c)
        }
        return TorchStorageRef(key: key, dtype: dtype, declaredCount: Int(n), viewOffset: viewOffset, viewCount: viewCount, pickleOffset: op)
    }

    /// Builds tensors and dicts; everything else stays a generic object.
    static func reduce(_ callable: PickleValue, _ args: PickleValue, _ op: Int,
                       _ fail: (Int, String) -> TorchPickleError) throws -> PickleValue? {
        guard case .global(let module, let name) = callable, let a = args.elements else { return nil }
        switch (module, name) {
        case ("collections", "OrderedDict"):
            return .dict(PickleDict())
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let first = a.first else { throw fail(op, "\(name) without arguments") }
            return first
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            guard a.count >= 4, case .external(let s) = a[0], let storage = s as? TorchStorageRef else {
                throw fail(op, "\(name) needs (storage, offset, size, stride, ...), got \(args.kind)")
            }
            guard let offset = a[1].intValue, offset >= 0,
                  let shape = a[2].elements?.compactMap(\.intValue), shape.count == a[2].elements?.count,
                  let strides = a[3].elements?.compactMap(\.intValue), strides.count == shape.count else {
                throw fail(op, "\(name): offset, size or stride is not a non-negative integer and two integer tuples of one length")
            }
            guard shape.count <= 16, shape.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }), strides.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) * 64 }) else {
                throw fail(op, "\(name): shape \(shape) or strides \(strides) out of range")
            }
            // The last element any index reaches must lie inside the storage (view), and the
            // element count must stay sane (a zero stride could repeat one element forever).
            let offsetInView = Int(offset)
            var lastIndex = offsetInView
            var elements = 1
            var overflow = false
            for (n, st) in zip(shape, strides) {
                let e = elements.multipliedReportingOverflow(by: Int(n))
                let reach = (Int(max(n, 1)) - 1).multipliedReportingOverflow(by: Int(st))
                let sum = lastIndex.addingReportingOverflow(reach.partialValue)
                overflow = overflow || e.overflow || reach.overflow || sum.overflow
                elements = e.partialValue
                lastIndex = sum.partialValue
            }
            if overflow || elements > 1 << 34 {
                throw fail(op, "tensor of shape \(shape) and strides \(strides) is too large")
            }
            if elements > 0 && lastIndex >= storage.viewCount {
                throw fail(op, "tensor of shape \(shape), strides \(strides) and offset \(offset) reaches element \(lastIndex) of a storage of \(storage.viewCount)")
            }
            return .external(TorchTensorRef(storage: storage, offset: storage.viewOffset + offsetInView, shape: shape.map(Int.init),
                                            strides: strides.map(Int.init), pickleOffset: op))
        default:
            return nil
        }
    }

    /// Parses the whole file: names in dict order and their tensors.
    mutating func parse() throws -> ([String], [String: TorchLegacyPickle.Tensor]) {
        defer {
            PickleMachine.release(containers)
            containers = []
        }
        if bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04 {
            throw fail(0, "a zip-format PyTorch file (torch >= 1.6 default); only the legacy pickle format is read here")
        }
        let magicOffset = position
        guard case .bigInt(let m) = try unpickle(), m == TorchLegacyPickle.magic else {
            throw fail(magicOffset, "not a legacy PyTorch file: the first pickle is not the magic number 0x1950a86a20f9469cfc6c")
        }
        let protocolOffset = position
        guard let version = try unpickle().intValue, version == 1001 else {
            throw fail(protocolOffset, "unsupported PyTorch serialization protocol (expected 1001)")
        }
        let infoOffset = position
        guard case .dict(let info) = try unpickle() else { throw fail(infoOffset, "the system-info pickle is not a dict") }
        if case .bool(false) = info["little_endian"] ?? .bool(true) {
            throw fail(infoOffset, "the file was written on a big-endian machine; not supported")
        }
        let objectOffset = position
        let object = try unpickle()
        let keysOffset = position
        guard let keyValues = try unpickle().elements else { throw fail(keysOffset, "the storage-key pickle is not a list") }
        var keys = [String]()
        for k in keyValues {
            guard let s = k.stringValue else { throw fail(keysOffset, "a storage key is a \(k.kind), not a string") }
            keys.append(s)
        }

        // Storage bytes, in key order.
        var byteOffsets = [String: Int]()
        for key in keys {
            let header = position
            guard let ref = storages[key] else { throw fail(header, "storage '\(key)' is listed but no tensor names it") }
            guard byteOffsets[key] == nil else { throw fail(header, "storage '\(key)' is listed twice") }
            guard bytes.count - position >= 8 else {
                throw fail(header, "storage '\(key)': the 8-byte element count is past the end of the file (truncated?)")
            }
            var n: UInt64 = 0
            for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[position + i]) }
            position += 8
            guard n == UInt64(ref.declaredCount) else {
                throw fail(header, "storage '\(key)' holds \(n) elements but its id declares \(ref.declaredCount)")
            }
            let size = ref.declaredCount * ref.dtype.size
            guard size <= bytes.count - position else {
                throw fail(header, "storage '\(key)' needs \(size) bytes of \(ref.dtype.rawValue) but only \(bytes.count - position) remain (truncated?)")
            }
            byteOffsets[key] = position
            position += size
        }

        var names = [String]()
        var tensors = [String: TorchLegacyPickle.Tensor]()
        func collect(_ value: PickleValue, prefix: String, level: Int) throws {
            guard case .dict(let d) = value else { return }
            // Dicts may contain themselves (through the memo); a state dict nests one or two.
            guard level < 8 else { throw fail(objectOffset, "dicts nested more than 8 levels deep (or containing themselves)") }
            for (k, v) in zip(d.keys, d.values) {
                guard let key = k.stringValue else { continue }
                let name = prefix + key
                switch v {
                case .dict: try collect(v, prefix: name + ".", level: level + 1)
                case .external(let x as TorchTensorRef):
                    guard let base = byteOffsets[x.storage.key] else {
                        throw fail(x.pickleOffset, "tensor '\(name)' uses storage '\(x.storage.key)', which the key list does not have")
                    }
                    guard tensors[name] == nil else { throw fail(x.pickleOffset, "tensor name '\(name)' appears twice") }
                    names.append(name)
                    tensors[name] = TorchLegacyPickle.Tensor(dtype: x.storage.dtype, shape: x.shape, strides: x.strides, storageOffset: x.offset,
                                                             storageByteOffset: base, pickleOffset: x.pickleOffset)
                default: continue
                }
            }
        }
        guard case .dict = object else {
            throw fail(objectOffset, "the pickled object is a \(object.kind), not a dict of tensors (a state dict)")
        }
        try collect(object, prefix: "", level: 0)
        return (names, tensors)
    }
}
