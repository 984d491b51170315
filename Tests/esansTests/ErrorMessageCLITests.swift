import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Errors a person can read: one sentence with the path for file-system errors, and the
/// subcommand's usage (not the top level's) for a setting refused while running.
@Suite(.serialized) struct ErrorMessageCLITests {
    @Test func anUnwritableOutputNamesThePathAndTheReason() throws {
        let tmp = TempDir()
        let file = tmp.file("plain-file")
        try Data("x".utf8).write(to: file)
        // A folder inside a regular file: no user, root included, can create it.
        let (code, _, err) = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--output", file.appendingPathComponent("run").path])
        #expect(code == 1, "exit \(code)")
        #expect(err.contains("Error: cannot write \(file.path)") && err.contains("a part of the path is a file, not a folder"), "\(err)")
        #expect(!err.contains("NSCocoaErrorDomain") && !err.contains("UserInfo"), "\(err)")
    }

    @Test func aSettingRefusedWhileRunningShowsTheSubcommandsUsage() throws {
        let tmp = TempDir()
        // `--holdout` is checked in run(), after parsing.
        let (code, _, err) = try CLI.run(["bench", "assign", "--msac", tmp.url.path, "--holdout", "1.5"])
        #expect(code == 64, "exit \(code)")
        #expect(err.contains("--holdout must lie in (0, 1)"), "\(err)")
        #expect(err.contains("Usage: esans bench assign") && err.contains("See 'esans bench assign --help'"), "\(err)")
        #expect(!err.contains("Usage: esans <subcommand>"), "\(err)")
    }

    @Test func aMissingFileIsOneSentence() throws {
        let tmp = TempDir()
        let (code, _, err) = try CLI.run(["bench", "assign", "--msac", tmp.file("none").path])
        #expect(code != 0)
        #expect(err.hasPrefix("Error: ") && err.split(separator: "\n").count <= 2, "\(err)")
        #expect(!err.contains("NSCocoaErrorDomain"), "\(err)")
    }

    /// A port another program listens on: one sentence naming the port and the host (it was
    /// NIO's `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`), exit 1.
    @Test func aPortInUseIsNamed() throws {
        let tmp = TempDir()
        let run = tmp.file("run")
        let trained = try CLI.run(["train", "--data", "synthetic", "--epochs", "1", "--dim", "8", "--negatives", "16", "--validation", "0",
                                   "--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        let (fd, port) = try listeningSocket()
        defer { close(fd) }
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["serve", "--run", run.path, "--port", String(port), "--log-level", "error"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // It should stop at once; a server that bound anyway is stopped after a minute.
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        let timedOut = p.isRunning
        if timedOut { p.terminate() }
        p.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!timedOut, "serve bound a port in use")
        #expect(p.terminationStatus == 1, "exit \(p.terminationStatus): \(text)")
        #expect(text.contains("Error: port \(port) on 127.0.0.1 is already in use") && text.contains("--port"), "\(text)")
        #expect(!text.contains("bind(descriptor") && !text.contains("errno"), "\(text)")
    }

    /// A socket listening on a free loopback port, and the port.
    private func listeningSocket() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        guard bound == 0, listen(fd, 4) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        let named = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        guard named == 0 else { close(fd); throw POSIXError(.EIO) }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }
}
