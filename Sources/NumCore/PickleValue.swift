/// A value built by ``PickleMachine``: the Python objects that a PyTorch checkpoint's pickles
/// hold. Lists, dicts and reduced objects are classes because pickles share and mutate them
/// after they are memoised (`SETITEMS` on a dict that is already in the memo).
public indirect enum PickleValue: @unchecked Sendable {
    /// Python `None`.
    case none
    /// `True` / `False`.
    case bool(Bool)
    /// An integer that fits in 64 bits.
    case int(Int64)
    /// An integer too wide for `Int64` (e.g. PyTorch's magic number): its little-endian
    /// two's-complement bytes, as `LONG1` / `LONG4` store them.
    case bigInt([UInt8])
    /// A Python float.
    case float(Double)
    /// A Python `str` (or a Python 2 `str` read as UTF-8).
    case string(String)
    /// Python `bytes`.
    case bytes([UInt8])
    /// A tuple.
    case tuple([PickleValue])
    /// A list (shared and mutable while the pickle runs).
    case list(PickleList)
    /// A dict or `OrderedDict` (shared and mutable while the pickle runs).
    case dict(PickleDict)
    /// A reference to a Python global, `module.name` (a class or a function).
    case global(module: String, name: String)
    /// The result of calling a callable that the reader does not interpret (`REDUCE`, `NEWOBJ`).
    case object(PickleObject)
    /// A value made by the reader's hooks (a storage, a tensor), opaque to the machine.
    case external(AnyObject)

    /// The integer, when this is an `int`.
    public var intValue: Int64? {
        if case .int(let v) = self { return v }
        if case .bool(let b) = self { return b ? 1 : 0 }
        return nil
    }

    /// The string, when this is a `string`.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, when this is a tuple or a list.
    public var elements: [PickleValue]? {
        switch self {
        case .tuple(let t): return t
        case .list(let l): return l.items
        default: return nil
        }
    }

    /// A short description of the value's kind, for error messages.
    public var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple(let t): return "tuple of \(t.count)"
        case .list(let l): return "list of \(l.items.count)"
        case .dict(let d): return "dict of \(d.keys.count)"
        case .global(let m, let n): return "global \(m).\(n)"
        case .object(let o):
            if case .global(let m, let n) = o.callable { return "\(m).\(n)(...) object" }
            return "object"
        case .external(let x): return "\(type(of: x))"
        }
    }
}

/// A Python list under construction or finished.
public final class PickleList {
    /// The elements, in order.
    public var items: [PickleValue] = []
    /// An empty list.
    public init() {}
}

/// A Python dict (or `OrderedDict`), in insertion order. Keys are kept as values; lookups by
/// string key are linear, which is fine for the few hundred entries of a state dict.
public final class PickleDict {
    /// Keys in insertion order.
    public private(set) var keys: [PickleValue] = []
    /// Values, parallel to ``keys``.
    public private(set) var values: [PickleValue] = []
    /// Attributes set by `BUILD` (e.g. a state dict's `_metadata`), ignored by readers.
    public var attributes: PickleValue = .none
    private var stringIndex: [String: Int] = [:]

    /// An empty dict.
    public init() {}

    /// Sets `key` to `value`; a string key that is already present is overwritten in place.
    public func set(_ key: PickleValue, _ value: PickleValue) {
        if case .string(let s) = key, let i = stringIndex[s] {
            values[i] = value
            return
        }
        if case .string(let s) = key { stringIndex[s] = keys.count }
        keys.append(key)
        values.append(value)
    }

    /// The value of string key `key`, or nil.
    public subscript(key: String) -> PickleValue? {
        stringIndex[key].map { values[$0] }
    }

    /// Empties the dict and its attributes.
    func removeAll() {
        keys = []
        values = []
        stringIndex = [:]
        attributes = .none
    }
}

/// An object the reader does not interpret: the callable, its arguments, and the state a
/// later `BUILD` gave it.
public final class PickleObject {
    /// The callable (usually a `global`).
    public let callable: PickleValue
    /// Its arguments (usually a tuple).
    public let arguments: PickleValue
    /// The `BUILD` state, or `none`.
    public var state: PickleValue = .none

    /// An object made by calling `callable` with `arguments`.
    public init(callable: PickleValue, arguments: PickleValue) {
        self.callable = callable
        self.arguments = arguments
    }
}
