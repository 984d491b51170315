import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress bars: drawn on a terminal, and not one byte of them when standard error is a pipe
/// (a log file, CI), whatever the command.
@Suite(.serialized) struct ProgressCLITests {
    /// Bytes only a progress bar writes: the carriage return that redraws the line, the
    /// erase-line sequence and the bar's blocks.
    static func barBytes(_ text: String) -> [String] {
        ["\r", "\u{1B}[", "█", "░", " ETA "].filter(text.contains)
    }

    /// The environment without `CI` (under which no bar is drawn even on a terminal), so that
    /// only the terminal test decides.
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["CI"] = nil
        return env
    }

    /// Runs `esans args` with standard error on a new pseudo-terminal; returns the exit code,
    /// standard output and what reached the terminal.
    static func runOnTerminal(_ args: [String]) throws -> (code: Int32, out: String, terminal: String) {
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw CocoaError(.fileNoSuchFile) }
        // Neither end may leak into processes other tests start meanwhile.
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        let collected = Collected()
        let fd = master
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            var fds = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while true {
                let ready = poll(&fds, 1, 100)
                if ready > 0 {
                    let n = read(fd, &buffer, buffer.count)
                    if n <= 0 { break }  // EIO: the terminal's last writer is gone
                    collected.append(buffer[0..<n])
                } else if collected.stopping {
                    break
                }
            }
            collected.done.signal()
        }
        reader.start()
        try p.run()
        close(slave)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        collected.stopping = true
        collected.done.wait()
        close(master)
        return (p.terminationStatus, String(decoding: stdout, as: UTF8.self), collected.text)
    }

    /// Bytes read from the terminal by the reader thread.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var bytes: [UInt8] = []
        private var stop = false
        let done = DispatchSemaphore(value: 0)
        func append(_ chunk: ArraySlice<UInt8>) { lock.lock(); bytes += chunk; lock.unlock() }
        var stopping: Bool {
            get { lock.lock(); defer { lock.unlock() }; return stop }
            set { lock.lock(); stop = newValue; lock.unlock() }
        }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: bytes, as: UTF8.self) }
    }

    /// Runs `esans args` with standard error on a pipe and the environment without `CI`.
    static func runOnPipe(_ args: [String]) throws -> (code: Int32, out: String, err: String) {
        try CLI.run(args, environment: environment)
    }

    static let tiny = ["--epochs", "2", "--dim", "8", "--negatives", "16", "--per-positive", "3", "--hard", "1", "--easy", "2", "--batch-size", "64"]

    /// Every command with a bar, on the same small data: on a pipe, standard error holds no
    /// byte of a bar; on a terminal each bar shows up with its label.
    @Test func barsOnlyOnATerminal() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let data = ["--data", fixture.directory.path, "--format", "recbole"]
        func commands(_ dir: URL) -> [(name: String, args: [String], labels: [String])] {
            let run = dir.appendingPathComponent("run").path
            return [
                ("train", ["train"] + data + ["--sampler", "esans"] + Self.tiny + ["--output", run],
                 ["msac: k-means primary", "msac: k-means secondary", "epoch 1/2", "epoch 2/2 (run ETA", "evaluating valid",
                  "refit epoch", "evaluating test"]),
                ("evaluate", ["evaluate", "--run", run], ["evaluating test"]),
                ("baseline", ["baseline"] + data + ["--method", "pop", "--output", dir.appendingPathComponent("pop").path],
                 ["evaluating valid", "evaluating test"]),
                ("cluster", ["cluster"] + data + ["--modalities", "structured,behaviour", "--kp", "4", "--ks", "2", "--dim", "8",
                                                  "--align-epochs", "3", "--output", dir.appendingPathComponent("msac").path],
                 ["k-means primary", "k-means secondary"]),
                ("compare", ["compare"] + data + ["--samplers", "uns,pns", "--seeds", "1", "--regime", "custom", "--epochs", "2", "--dim", "8",
                                                  "--negatives", "16", "--batch-size", "64"]
                    + ["--output", dir.appendingPathComponent("cmp").path],
                 ["uns s1 epoch 1/2", "pns s1 epoch 2/2", "  evaluating valid", "  evaluating test"]),
            ]
        }
        let piped = tmp.file("piped")
        for command in commands(piped) {
            let (code, _, err) = try Self.runOnPipe(command.args)
            #expect(code == 0, "\(command.name): \(err)")
            #expect(Self.barBytes(err).isEmpty, "\(command.name) wrote bar bytes to a pipe: \(Self.barBytes(err)) in \(err.debugDescription)")
        }
        let terminal = tmp.file("terminal")
        for command in commands(terminal) {
            let (code, out, seen) = try Self.runOnTerminal(command.args)
            #expect(code == 0, "\(command.name): \(seen)")
            for label in command.labels {
                #expect(seen.contains(label), "\(command.name): no '\(label)' bar in \(seen.debugDescription)")
            }
            if command.name == "compare" {
                // One line per run, the second with the experiment's ETA from the first.
                #expect(out.contains("run 1/2: uns seed 1 (training)") && out.contains("run 2/2: pns seed 1 (training; experiment ETA "), "\(out)")
            }
        }
    }
}
