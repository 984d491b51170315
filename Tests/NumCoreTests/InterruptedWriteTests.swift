import Foundation
import Testing
import TestSupport
@testable import NumCore

/// What a process killed while writing leaves, and how the next writer copes (found by
/// scripts/crash-harness.py, which kills esans with SIGKILL at random moments).
@Suite struct InterruptedWriteTests {
    /// A process id no process has (above Linux's largest pid_max, 2^22).
    static let deadPID: Int32 = 99_999_999

    @Test func temporaryNamesRecordTheWriter() {
        let name = AtomicFileWriter.temporaryName(for: "model.safetensors", pid: 4242, nonce: 17)
        #expect(name == ".model.safetensors.tmp-4242-17")
        #expect(AtomicFileWriter.writerPID(ofTemporary: name) == 4242)
        #expect(AtomicFileWriter.writerPID(ofTemporary: ".a.tmp-1-2.tmp-3-4") == 3)
        for other in ["model.safetensors", ".hidden", ".tmp-1-2", ".x.tmp-1", ".x.tmp-a-2", ".x.tmp-1-b", "x.tmp-1-2", ".x.tmp--1-2", ".x.tmp-0-2"] {
            #expect(AtomicFileWriter.writerPID(ofTemporary: other) == nil, "\(other)")
        }
    }

    /// A SIGKILLed writer's temporary file stays; the next writer removes it, but never the
    /// file of a process still running, nor anything else.
    @Test func staleTemporariesOfDeadWritersAreRemoved() throws {
        let dir = TempDir()
        let dead = AtomicFileWriter.temporaryName(for: "model.safetensors", pid: Self.deadPID, nonce: 1)
        let mine = AtomicFileWriter.temporaryName(for: "metrics.json", pid: getpid(), nonce: 2)
        for name in [dead, mine, "model.safetensors", ".notes", "x.tmp-99999999-3"] { _ = dir.write(name, "x") }
        #expect(AtomicFile.removeStaleTemporaries(in: dir.url) == [dead])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == [mine, ".notes", "model.safetensors", "x.tmp-99999999-3"].sorted())
        #expect(AtomicFile.removeStaleTemporaries(in: dir.file("missing")).isEmpty)
    }

    /// The commit hook sees every file as it is renamed into place; one that throws stops the
    /// writing code with that file complete and no temporary file left.
    @Test func theCommitHookSeesEveryWriteInPlace() throws {
        let dir = TempDir()
        let counter = CommitCounter()
        try counter.run {
            try AtomicFile.writeText("a", to: dir.file("a.txt"))
            try NPY.write(Matrix(rows: 1, cols: 2), to: dir.file("b.npy"))
        }
        #expect(counter.committed.map(\.lastPathComponent) == ["a.txt", "b.npy"])

        let crash = CommitCounter(crashAfter: 1)
        let finished = try crash.run {
            try AtomicFile.writeText("first", to: dir.file("c.txt"))
            try AtomicFile.writeText("second", to: dir.file("d.txt"))
        }
        #expect(!finished)
        #expect(try String(contentsOf: dir.file("c.txt"), encoding: .utf8) == "first")
        #expect(!FileManager.default.fileExists(atPath: dir.file("d.txt").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains(".tmp-") })
        // Outside the hook's scope nothing is counted.
        try AtomicFile.writeText("e", to: dir.file("e.txt"))
        #expect(crash.committed.count == 1)
    }

    /// Rewriting a file with a checksum sidecar, interrupted between the two files, used to
    /// leave the new file beside the old checksum, refused as damaged. The old sidecar now goes
    /// first: at every interruption point the file reads back (checked when the sidecar is there).
    @Test func anInterruptedRewriteNeverLeavesTheOldChecksum() throws {
        let old = Data("old contents\n".utf8), new = Data("new contents, longer\n".utf8)
        for crashAfter in 1...2 {
            let dir = TempDir()
            let url = dir.file("semantic_ids.tsv")
            try ChecksumSidecar.write(old, to: url)
            let finished = try CommitCounter(crashAfter: crashAfter).run { try ChecksumSidecar.write(new, to: url) }
            #expect(!finished)
            let data = try Data(contentsOf: url)
            #expect(data == new)
            let checked = try ChecksumSidecar.verify(data, readFrom: url)
            #expect(checked == (crashAfter == 2), "after commit \(crashAfter)")
        }
    }
}
