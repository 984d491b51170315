import Foundation
import Testing
@testable import NumCore

/// Inputs the fuzzer (`scripts/fuzz.sh torch-pickle`) found that leaked memory in the legacy
/// PyTorch reader, kept as regression tests.
struct TorchPickleFuzzTests {
    /// The fuzzer's input: empty dicts, then `DUP` and `BUILD`, which gives a dict itself as
    /// its attributes; the reference cycle outlived the failed read (LeakSanitizer).
    static let fuzzerInput: [UInt8] = [0x80, 0x7D] + [UInt8](repeating: 0x7D, count: 17) + Array("2butq".utf8) + [0x02, 0x4B, 0x63, 0x74]

    @Test func theFuzzerInputIsRefusedWithItsOffset() throws {
        let error = try #require(throws: TorchPickleError.self) { try TorchLegacyPickle.read(data: Data(Self.fuzzerInput), fileName: "leak.pth") }
        #expect(error.file == "leak.pth")
        #expect(error.description.hasPrefix("leak.pth: byte "))
    }

    /// `EMPTY_DICT DUP BUILD STOP`: a dict whose attributes are itself. Reference counting
    /// keeps it alive; ``PickleMachine/release(_:)``, which the legacy reader calls when it is
    /// done, frees it.
    @Test func releaseBreaksASelfReferencingDict() throws {
        let bytes: [UInt8] = [0x80, 0x02, 0x7D, 0x32, 0x62, 0x2E]
        weak var kept: PickleDict?
        weak var released: PickleDict?
        for release in [false, true] {
            try bytes.withUnsafeBytes { raw in
                var machine = PickleMachine(bytes: raw, fileName: "cycle.pkl")
                guard case .dict(let d) = try machine.load() else { Issue.record("not a dict"); return }
                guard case .dict(let inner) = d.attributes, inner === d else { Issue.record("attributes are not the dict itself"); return }
                if release { released = d; PickleMachine.release(machine.containers) } else { kept = d }
            }
        }
        #expect(kept != nil, "without release the cycle keeps the dict alive")
        #expect(released == nil, "release must break the cycle")
        if let kept { PickleMachine.release([.dict(kept)]) }
    }

    /// `EMPTY_LIST BINPUT 0 BINGET 0 APPEND STOP`: a list that contains itself, freed by release.
    @Test func releaseBreaksASelfContainingList() throws {
        let bytes: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
        weak var list: PickleList?
        try bytes.withUnsafeBytes { raw in
            var machine = PickleMachine(bytes: raw, fileName: "cycle.pkl")
            guard case .list(let l) = try machine.load(), case .list(let inner)? = l.items.first, inner === l else {
                Issue.record("not a list containing itself"); return
            }
            list = l
            PickleMachine.release(machine.containers)
        }
        #expect(list == nil)
    }
}
