/// A pickle interpreter for the data pickles that PyTorch writes (protocols 2 to 4): it builds
/// ``PickleValue``s and never runs code. Globals stay names; calling one (`REDUCE`, `NEWOBJ`)
/// goes to the `reduce` hook, which may build a value it knows (a tensor, an `OrderedDict`)
/// or return nil for a generic ``PickleObject``; persistent ids (`BINPERSID`, how PyTorch
/// names its storages) go to the `persistentLoad` hook.
///
/// Every read is bounds-checked; bad bytes raise a ``TorchPickleError`` with the file name and
/// the offset of the opcode at fault, never a crash.
///
/// Through the memo a pickle can make a list, dict or object contain itself, a cycle that
/// reference counting never frees: the machine keeps every container it makes in
/// ``containers``; hand them to ``release(_:)`` when done with the values.
public struct PickleMachine {
    /// Builds the value of a persistent id; gets the id and the opcode's offset.
    public typealias PersistentLoad = (PickleValue, Int) throws -> PickleValue
    /// Calls a callable on arguments; nil means "keep as a generic object".
    public typealias Reduce = (PickleValue, PickleValue, Int) throws -> PickleValue?

    private let bytes: UnsafeRawBufferPointer
    private let fileName: String
    /// Offset of the next byte to read.
    public private(set) var position: Int
    /// Every list, dict and generic object pushed so far (made here or by the hooks).
    public private(set) var containers: [PickleValue] = []
    private let persistentLoad: PersistentLoad
    private let reduce: Reduce

    /// A machine reading `bytes` (a whole file; offsets in errors are into it) from `position`.
    public init(bytes: UnsafeRawBufferPointer, fileName: String, position: Int = 0,
                persistentLoad: @escaping PersistentLoad = { _, offset in
                    throw TorchPickleError(file: "", offset: offset, problem: "unexpected persistent id") },
                reduce: @escaping Reduce = { _, _, _ in nil }) {
        self.bytes = bytes
        self.fileName = fileName
        self.position = position
        self.persistentLoad = persistentLoad
        self.reduce = reduce
    }

    private func fail(_ offset: Int, _ problem: String) -> TorchPickleError {
        TorchPickleError(file: fileName, offset: offset, problem: problem)
    }

    // MARK: Reading bytes

    private mutating func take(_ n: Int, _ what: String, at op: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= bytes.count - position else {
            throw fail(op, "\(what) needs \(n) bytes but the file ends \(bytes.count - position) bytes later (truncated?)")
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position ..< position + n])
    }

    private mutating func uint(_ n: Int, at op: Int) throws -> UInt64 {
        let b = try take(n, "an argument of \(n) bytes", at: op)
        var v: UInt64 = 0
        for i in (0..<n).reversed() { v = v << 8 | UInt64(b[i]) }
        return v
    }

    private mutating func line(at op: Int) throws -> String {
        let start = position
        while position < bytes.count && bytes[position] != 0x0A {
            position += 1
            if position - start > 1024 { throw fail(op, "a text argument longer than 1024 bytes") }
        }
        guard position < bytes.count else { throw fail(op, "a text argument without its newline (truncated?)") }
        defer { position += 1 }
        guard let s = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start ..< position]), as: UTF8.self) else {
            throw fail(op, "a text argument that is not UTF-8")
        }
        return s
    }

    private mutating func text(length: UInt64, at op: Int) throws -> String {
        guard length <= UInt64(bytes.count - position) else {
            throw fail(op, "a string of \(length) bytes but only \(bytes.count - position) remain (truncated?)")
        }
        let b = try take(Int(length), "a string", at: op)
        guard let s = String(validating: b, as: UTF8.self) else { throw fail(op, "a string that is not valid UTF-8") }
        return s
    }

    private mutating func blob(length: UInt64, at op: Int) throws -> [UInt8] {
        guard length <= UInt64(bytes.count - position) else {
            throw fail(op, "a byte string of \(length) bytes but only \(bytes.count - position) remain (truncated?)")
        }
        return Array(try take(Int(length), "a byte string", at: op))
    }

    // MARK: The machine

    /// Deepest nesting of containers accepted (a state dict needs 4); deeper pickles are
    /// refused rather than risking the stack when they are built or released.
    public static let maxDepth = 64

    /// Runs from ``position`` to the `STOP` opcode and returns the value on top of the stack.
    /// Afterwards ``position`` is the offset just past `STOP`.
    public mutating func load() throws -> PickleValue {
        // Each value travels with its nesting depth (1 for a scalar), so that no pickle can
        // build a structure deep enough to exhaust the stack when it is released.
        typealias Entry = (value: PickleValue, depth: Int)
        var stack: [Entry] = []
        var marks: [Int] = []
        var memo: [UInt64: Entry] = [:]

        func push(_ v: PickleValue, depth: Int = 1) {
            switch v {
            case .list, .dict, .object: containers.append(v)
            default: break
            }
            stack.append((v, depth))
        }
        func pop(_ op: Int, _ name: String) throws -> Entry {
            guard stack.count > (marks.last ?? 0), let v = stack.popLast() else { throw fail(op, "\(name) on an empty stack") }
            return v
        }
        func popMark(_ op: Int, _ name: String) throws -> [Entry] {
            guard let m = marks.popLast(), m <= stack.count else { throw fail(op, "\(name) without a MARK") }
            let items = Array(stack[m...])
            stack.removeSubrange(m...)
            return items
        }
        func top(_ op: Int, _ name: String) throws -> Entry {
            guard stack.count > (marks.last ?? 0), let v = stack.last else { throw fail(op, "\(name) on an empty stack") }
            return v
        }
        func container(_ items: [Entry], _ op: Int) throws -> Int {
            let d = 1 + (items.map(\.depth).max() ?? 0)
            guard d <= Self.maxDepth else { throw fail(op, "values nested deeper than \(Self.maxDepth) levels") }
            return d
        }
        /// Raises the depth of the container on top of the stack to hold `items`.
        func grow(_ items: [Entry], _ op: Int) throws {
            let d = max(stack[stack.count - 1].depth, try container(items, op))
            stack[stack.count - 1].depth = d
        }

        while true {
            let op = position
            guard position < bytes.count else { throw fail(op, "the pickle ends without a STOP opcode (truncated?)") }
            let code = bytes[position]
            position += 1
            switch code {
            case 0x80: _ = try uint(1, at: op)                                  // PROTO
            case 0x95: _ = try uint(8, at: op)                                  // FRAME
            case 0x2E:                                                          // STOP
                guard stack.count == 1, marks.isEmpty else {
                    throw fail(op, "STOP with \(stack.count) values on the stack and \(marks.count) open MARKs")
                }
                return stack[0].value
            case 0x28: marks.append(stack.count)                                // MARK
            case 0x30: _ = try pop(op, "POP")                                   // POP
            case 0x31: _ = try popMark(op, "POP_MARK")                          // POP_MARK
            case 0x32: stack.append(try top(op, "DUP"))                         // DUP
            case 0x4E: push(.none)                                              // NONE
            case 0x88: push(.bool(true))                                        // NEWTRUE
            case 0x89: push(.bool(false))                                       // NEWFALSE
            case 0x4B: push(.int(Int64(try uint(1, at: op))))                   // BININT1
            case 0x4D: push(.int(Int64(try uint(2, at: op))))                   // BININT2
            case 0x4A: push(.int(Int64(Int32(truncatingIfNeeded: try uint(4, at: op)))))   // BININT
            case 0x8A, 0x8B:                                                    // LONG1, LONG4
                let n = try uint(code == 0x8A ? 1 : 4, at: op)
                push(Self.integer(littleEndian: try blob(length: n, at: op)))
            case 0x47:                                                          // BINFLOAT (big-endian)
                push(.float(Double(bitPattern: try uint(8, at: op).byteSwapped)))
            case 0x58: push(.string(try text(length: try uint(4, at: op), at: op)))   // BINUNICODE
            case 0x8C: push(.string(try text(length: try uint(1, at: op), at: op)))   // SHORT_BINUNICODE
            case 0x8D: push(.string(try text(length: try uint(8, at: op), at: op)))   // BINUNICODE8
            case 0x54: push(.string(try text(length: try uint(4, at: op), at: op)))   // BINSTRING
            case 0x55: push(.string(try text(length: try uint(1, at: op), at: op)))   // SHORT_BINSTRING
            case 0x42: push(.bytes(try blob(length: try uint(4, at: op), at: op)))    // BINBYTES
            case 0x43: push(.bytes(try blob(length: try uint(1, at: op), at: op)))    // SHORT_BINBYTES
            case 0x29: push(.tuple([]))                                         // EMPTY_TUPLE
            case 0x74, 0x85, 0x86, 0x87:                                        // TUPLE, TUPLE1..3
                let items: [Entry]
                if code == 0x74 {
                    items = try popMark(op, "TUPLE")
                } else {
                    let n = Int(code - 0x84)
                    guard stack.count - (marks.last ?? 0) >= n else { throw fail(op, "TUPLE\(n) needs \(n) values on the stack") }
                    items = Array(stack.suffix(n))
                    stack.removeLast(n)
                }
                push(.tuple(items.map(\.value)), depth: try container(items, op))
            case 0x5D: push(.list(PickleList()))                                // EMPTY_LIST
            case 0x6C:                                                          // LIST
                let items = try popMark(op, "LIST")
                let l = PickleList()
                l.items = items.map(\.value)
                push(.list(l), depth: try container(items, op))
            case 0x61, 0x65:                                                    // APPEND, APPENDS
                let items = code == 0x61 ? [try pop(op, "APPEND")] : try popMark(op, "APPENDS")
                guard case .list(let l) = try top(op, "APPEND").value else {
                    throw fail(op, "APPEND to a \(stack.last?.value.kind ?? "nothing"), not a list")
                }
                try grow(items, op)
                l.items += items.map(\.value)
            case 0x7D: push(.dict(PickleDict()))                                // EMPTY_DICT
            case 0x64, 0x73, 0x75:                                              // DICT, SETITEM, SETITEMS
                let items: [Entry]
                if code == 0x73 {
                    let v = try pop(op, "SETITEM"), k = try pop(op, "SETITEM")
                    items = [k, v]
                } else {
                    items = try popMark(op, code == 0x64 ? "DICT" : "SETITEMS")
                }
                guard items.count % 2 == 0 else { throw fail(op, "an odd number (\(items.count)) of keys and values") }
                let d: PickleDict
                if code == 0x64 {
                    d = PickleDict()
                    push(.dict(d))
                } else {
                    guard case .dict(let existing) = try top(op, "SETITEM").value else {
                        throw fail(op, "SETITEM on a \(stack.last?.value.kind ?? "nothing"), not a dict")
                    }
                    d = existing
                }
                try grow(items, op)
                for i in stride(from: 0, to: items.count, by: 2) { d.set(items[i].value, items[i + 1].value) }
            case 0x71: memo[try uint(1, at: op)] = try top(op, "BINPUT")        // BINPUT
            case 0x72: memo[try uint(4, at: op)] = try top(op, "LONG_BINPUT")   // LONG_BINPUT
            case 0x94: memo[UInt64(memo.count)] = try top(op, "MEMOIZE")       // MEMOIZE
            case 0x68, 0x6A:                                                    // BINGET, LONG_BINGET
                let key = try uint(code == 0x68 ? 1 : 4, at: op)
                guard let v = memo[key] else { throw fail(op, "memo entry \(key) was never stored") }
                stack.append(v)
            case 0x63:                                                          // GLOBAL
                let module = try line(at: op), name = try line(at: op)
                push(.global(module: module, name: name))
            case 0x93:                                                          // STACK_GLOBAL
                let name = try pop(op, "STACK_GLOBAL").value, module = try pop(op, "STACK_GLOBAL").value
                guard let m = module.stringValue, let n = name.stringValue else {
                    throw fail(op, "STACK_GLOBAL on a \(module.kind) and a \(name.kind), not two strings")
                }
                push(.global(module: m, name: n))
            case 0x52, 0x81:                                                    // REDUCE, NEWOBJ
                let args = try pop(op, "REDUCE"), callable = try pop(op, "REDUCE")
                guard case .tuple = args.value else { throw fail(op, "REDUCE with arguments that are a \(args.value.kind), not a tuple") }
                let made = try reduce(callable.value, args.value, op)
                push(made ?? .object(PickleObject(callable: callable.value, arguments: args.value)),
                     depth: try container([callable, args], op))
            case 0x62:                                                          // BUILD
                let state = try pop(op, "BUILD")
                switch try top(op, "BUILD").value {
                case .dict(let d): d.attributes = state.value
                case .object(let o): o.state = state.value
                case .external: break
                default: throw fail(op, "BUILD on a \(stack.last?.value.kind ?? "nothing")")
                }
                try grow([state], op)
            case 0x51:                                                          // BINPERSID
                let pid = try pop(op, "BINPERSID")
                push(try persistentLoad(pid.value, op), depth: pid.depth)
            default:
                throw fail(op, "unsupported pickle opcode 0x\(String(code, radix: 16)) (not a PyTorch data pickle, or corrupt)")
            }
        }
    }

    /// Empties `containers` (lists, dicts, objects' states), which breaks every reference
    /// cycle among them: a cycle needs one of them to hold a value made before it was filled.
    /// The values built from them are emptied too, so call this when they are no longer needed.
    public static func release(_ containers: [PickleValue]) {
        for c in containers {
            switch c {
            case .list(let l): l.items = []
            case .dict(let d): d.removeAll()
            case .object(let o): o.state = .none
            default: break
            }
        }
    }

    /// A little-endian two's-complement integer: `.int` when it fits in 64 bits.
    static func integer(littleEndian b: [UInt8]) -> PickleValue {
        if b.isEmpty { return .int(0) }
        let negative = b.last! & 0x80 != 0
        if b.count <= 8 {
            var v: UInt64 = negative ? ~0 : 0
            for (i, byte) in b.enumerated() {
                v &= ~(UInt64(0xFF) << (8 * i))
                v |= UInt64(byte) << (8 * i)
            }
            return .int(Int64(bitPattern: v))
        }
        return .bigInt(b)
    }
}
