import Foundation

/// One fuzzer: a reader driven by fuzzed input, its seed inputs, and the errors it may throw.
///
/// Each executable defines the two libFuzzer entry points and forwards them here:
///
/// ```swift
/// @_cdecl("LLVMFuzzerInitialize") public func initialize(_ argc: UnsafeMutablePointer<CInt>,
///     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt { target.initialize() }
/// @_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { target.run(data, size) }
/// ```
///
/// A crash (a trap, a precondition, an ASan report, libFuzzer's malloc, RSS or time limits) is
/// a finding; so is an error of a kind the reader does not document (see ``expectErrors(_:allowed:_:)``).
public struct FuzzTarget {
    /// The short name (`npy`, `lightgcn`, ...).
    public let name: String
    /// Named seed inputs, written to `Fuzz/Corpus/<name>/` by `scripts/fuzz.sh --seeds`.
    public let seeds: () -> [(name: String, bytes: [UInt8])]
    /// Reads one input.
    public let body: (inout FuzzInput) -> Void

    public init(name: String, seeds: @escaping () -> [(name: String, bytes: [UInt8])], body: @escaping (inout FuzzInput) -> Void) {
        self.name = name
        self.seeds = seeds
        self.body = body
    }

    /// libFuzzer's `LLVMFuzzerInitialize`: with `ESANS_FUZZ_WRITE_SEEDS=DIR` in the
    /// environment, writes the seeds into DIR and exits instead of fuzzing.
    public func initialize() -> CInt {
        guard let dir = ProcessInfo.processInfo.environment["ESANS_FUZZ_WRITE_SEEDS"] else { return 0 }
        let url = URL(fileURLWithPath: dir)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let all = seeds()
        for seed in all { Scratch.write(seed.bytes, to: url.appendingPathComponent(seed.name)) }
        print("\(name): wrote \(all.count) seeds to \(dir)")
        exit(0)
    }

    /// libFuzzer's `LLVMFuzzerTestOneInput`.
    public func run(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        var input = FuzzInput(data, size)
        body(&input)
        return 0
    }
}

/// Runs `body`, a reader given fuzzed input. Errors are expected (most inputs are damaged),
/// but only those `allowed` accepts, and each must say something: any other error stops the
/// fuzzer as a finding, naming `what` was read.
public func expectErrors(_ what: String, allowed: (Error) -> Bool, _ body: () throws -> Void) {
    do {
        try body()
    } catch {
        let text = "\(error)"
        guard allowed(error), !text.isEmpty else {
            fatalError("\(what): unexpected error \(type(of: error)): \(text)")
        }
    }
}

/// Stops the fuzzer with `message` unless `condition` holds (a property of what was read).
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("property violated: \(message())") }
}
