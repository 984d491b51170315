import Foundation
import Testing
import TestSupport
@testable import NumCore

/// Issue 16: a file error's reason in words in the messages of the file readers, not
/// Foundation's "The operation could not be completed" or its error domain and user info.
@Suite struct FileErrorReasonTests {
    @Test func aMissingOrUnreadableFileGetsItsReason() throws {
        let tmp = TempDir()
        let missing = tmp.file("missing.npy")
        do {
            _ = try NPY.readMatrix(from: missing)
            Issue.record("a missing file was read")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("missing.npy") && text.contains("cannot read file: no such file or folder"), "\(text)")
            #expect(!text.contains("could not be completed") && !text.contains("NSCocoaErrorDomain"), "\(text)")
        }
        #expect(throws: (any Error).self) { try Data(contentsOf: tmp.url) }
        do { _ = try Data(contentsOf: tmp.url) } catch {
            #expect(FileErrorReason.text(error) == "it is a folder, not a file", "\(error)")
        }
        #expect(FileErrorReason.text(POSIXError(.EACCES)) == "permission denied")
        #expect(FileErrorReason.text(CocoaError(.fileWriteVolumeReadOnly)) == "the volume is read-only")
    }
}
