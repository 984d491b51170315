import TestSupport
import Foundation
import Testing
@testable import Datasets

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Data(repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalUpdatesMatchOneShot() {
        let message = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        for split in [0, 1, 55, 56, 63, 64, 65, 128, 999] {
            var hasher = SHA256()
            hasher.update(message.prefix(split))
            hasher.update(message.suffix(from: split))
            #expect(hasher.finalize() == SHA256.hash(message), "split at \(split)")
        }
    }

    @Test func hashesFiles() throws {
        let dir = TempDir()
        let path = dir.write("abc.txt", "abc")
        #expect(try SHA256.hex(ofFile: path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(throws: (any Error).self) { try SHA256.hex(ofFile: dir.path + "/missing") }
    }
}
