import TestSupport
import Foundation
import Testing
@testable import Datasets

/// Inputs the fuzzer (`scripts/fuzz.sh lightgcn`) found that hung or crashed the LightGCN
/// reader, kept as regression tests: each must fail fast with an error naming the file, line
/// and field.
@Suite struct LightGCNFuzzTests {
    func fixture(train: String, test: String) -> TempDir {
        let dir = TempDir()
        dir.write("train.txt", train)
        dir.write("test.txt", test)
        return dir
    }

    /// The fuzzer's input: a user id near ten million in a file of a few ids made ten million
    /// users (and their id strings), past libFuzzer's 20 s limit; an id near `Int32.max`
    /// would have asked for tens of gigabytes.
    @Test func sparseUserIDIsRefusedNamingTheLine() throws {
        let dir = fixture(train: " 20", test: "10 200100 3000\n 993000\n 9999959")
        let started = Date()
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: dir.path, options: LoadOptions(format: .lightgcn)) }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(error?.file == "test.txt")
        #expect(error?.line == 3)
        #expect(error?.field == "field 1 (user id)")
        #expect(error?.message.contains("user id 9999959 is far above the 6 ids") == true, "\(String(describing: error))")
    }

    @Test func sparseItemIDIsRefusedNamingLineAndField() throws {
        let dir = fixture(train: "0 1 2\n1 2 2147483646\n", test: "0 2\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: dir.path, options: LoadOptions()) }
        #expect(error?.file == "train.txt")
        #expect(error?.line == 2)
        #expect(error?.field == "field 3 (item id)")
    }

    /// Gaps in the numbering stay allowed up to the allowance (16 per id read, plus 4096).
    @Test func moderatelySparseIDsStillLoad() throws {
        let allowance = LightGCNReader.sparseIDAllowance(idsRead: 7)
        let dir = fixture(train: "0 1 \(allowance - 1)\n5 1\n", test: "0 1\n")
        let d = try DatasetLoader.load(path: dir.path, options: LoadOptions())
        #expect(d.numItems == allowance)
        #expect(d.numUsers == 6)
    }
}
