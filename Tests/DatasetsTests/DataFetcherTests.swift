import TestSupport
import Foundation
import Testing
@testable import Datasets

@Suite struct DataFetcherTests {
    @Test func cacheDirectoryResolution() {
        #expect(DataFetcher.cacheDirectory(environment: ["ESANS_CACHE_DIR": "/data/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"]).path == "/data/c")
        #expect(DataFetcher.cacheDirectory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).path == "/x/esans")
        #expect(DataFetcher.cacheDirectory(environment: ["ESANS_CACHE_DIR": "", "HOME": "/h"]).path == "/h/.cache/esans")
    }

    @Test func manifestsAreWellFormed() {
        for target in FetchTarget.allCases {
            #expect(!target.files.isEmpty)
            for file in target.files {
                #expect(file.sha256.count == 64 && file.sha256.allSatisfy { $0.isHexDigit && !$0.isUppercase })
                #expect(file.size > 0)
            }
        }
        #expect(FetchTarget.ml100k.requirement == "recbole==1.2.1")
        #expect(FetchTarget.minilm.files.map(\.path).contains("model.safetensors"))
        #expect(FetchTarget(rawValue: "ml-1m") == .ml1m)
    }

    @Test func locateNeedsEveryFileWithTheRightSize() throws {
        let dir = TempDir()
        let env = ["ESANS_CACHE_DIR": dir.path]
        #expect(DataFetcher.locate(.ml100k, environment: env) == nil)
        for file in FetchTarget.ml100k.files { dir.write("ml-100k/\(file.path)", "short") }
        #expect(DataFetcher.locate(.ml100k, environment: env) == nil)
        #expect(DataFetcher.verify(.ml100k, in: dir.url.appendingPathComponent("ml-100k")).count == FetchTarget.ml100k.files.count)
    }

    @Test func missingPythonExecutableGivesHelpfulError() throws {
        let dir = TempDir()
        let env = ["ESANS_CACHE_DIR": dir.path, "ESANS_PYTHON": "/nonexistent/python3"]
        let error = #expect(throws: FetchError.self) { try DataFetcher.fetch(.ml100k, force: false, environment: env) }
        let text = error?.description ?? ""
        #expect(text.contains("cannot start '/nonexistent/python3'"))
        #expect(text.contains("/nonexistent/python3 -m pip download --no-deps --only-binary=:all: -d "))
        #expect(text.contains("recbole==1.2.1"))
        #expect(text.contains("ESANS_CACHE_DIR"))
        #expect(text.contains("proxy"))
        // No half-finished staging directories are left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func unknownPythonNameReportsNotFound() throws {
        let dir = TempDir()
        let env = ["ESANS_CACHE_DIR": dir.path, "ESANS_PYTHON": "esans-no-such-python-xyz"]
        let error = #expect(throws: FetchError.self) { try DataFetcher.fetch(.ml1m, force: true, environment: env) }
        #expect(error?.message.contains("'esans-no-such-python-xyz' was not found") == true)
        #expect(error?.target == .ml1m)
    }

    /// Downloads for real; runs only with ESANS_NETWORK_TESTS=1.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ESANS_NETWORK_TESTS"] == "1"))
    func realFetchOfAllTargets() throws {
        let dir = TempDir()
        let env = ["ESANS_CACHE_DIR": dir.path]
        for target in FetchTarget.allCases {
            let url = try DataFetcher.fetch(target, force: false, environment: env)
            #expect(url.path == dir.url.appendingPathComponent(target.rawValue).path)
            #expect(DataFetcher.verify(target, in: url).isEmpty)
            #expect(DataFetcher.locate(target, environment: env) != nil)
            // A second call must not need Python or the network.
            let offline = env.merging(["ESANS_PYTHON": "/nonexistent/python3"]) { $1 }
            #expect(try DataFetcher.fetch(target, force: false, environment: offline) == url)
        }
        let ml = try DatasetLoader.load(path: dir.path + "/ml-100k", options: LoadOptions())
        #expect(ml.users.count == 943)
        let items = try AtomicTable.read(path: dir.path + "/ml-100k/ml-100k.item")
        #expect(items.rowCount == 1682)
        #expect(items.tokenSequences("class")?[0] == ["Animation", "Children's", "Comedy"])
    }
}
