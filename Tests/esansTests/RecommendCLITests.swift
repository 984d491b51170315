import Foundation
import Testing
import NumCore
import TestSupport

/// `esans recommend` on a run trained through the CLI on a small CSV with the load-time
/// filters: every format, the user list, the errors.
@Suite(.serialized) struct RecommendCLITests {
    /// 40 users x 30 items, 12 rated interactions each (ratings 1-5), as `user,item,rating,ts`.
    static func ratingsCSV() -> String {
        var rng = RandomSource(seed: 11)
        var lines = ["user,item,rating,ts"]
        var t = 0
        for u in 0..<40 {
            var items = Set<Int>()
            while items.count < 12 { items.insert(rng.below(30)) }
            for i in items.sorted() {
                t += 1
                lines.append("u\(u),i\(i),\(1 + rng.below(5)),\(t)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func trainsWithFiltersAndRecommendsInEveryFormat() throws {
        let tmp = TempDir()
        let data = tmp.write("ratings.csv", Self.ratingsCSV())
        let run = tmp.file("run")
        let filters = ["--min-rating", "3", "--k-core", "3", "--split", "time:0.8"]
        let info = try CLI.run(["data", "info", "--data", data] + filters)
        #expect(info.code == 0 && info.out.contains("removed before the split") && info.out.contains("rating >= 3")
                && info.out.contains("3-core"), "\(info.out)\(info.err)")
        let trained = try CLI.run(["train", "--data", data] + filters + ["--epochs", "1", "--dim", "8", "--negatives", "16",
                                                                        "--batch-size", "64", "--validation", "0", "--output", run.path])
        #expect(trained.code == 0, "\(trained.err)")
        #expect(trained.out.contains("filter: rating >= 3: removed"), "\(trained.out)")
        let config = try String(contentsOf: run.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"minRating\"") && config.contains("\"kCore\""), "\(config)")

        let k = 5
        func recommend(_ name: String, _ extra: [String] = []) throws -> URL {
            let url = tmp.file(name)
            let (code, out, err) = try CLI.run(["recommend", "--run", run.path, "--k", String(k), "--output", url.path] + extra)
            #expect(code == 0, "\(err)")
            #expect(out.contains("training items excluded") != extra.contains("--no-exclude-train"), "\(out)")
            return url
        }
        let tsv = try String(contentsOf: recommend("out/recs.tsv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: "\t").map(String.init) }
        var fromTSV: [String: [String]] = [:]
        var order: [String] = []
        for line in tsv {
            if fromTSV[line[0]] == nil { order.append(line[0]) }
            fromTSV[line[0], default: []].append(line[1])
            #expect(Int(line[3]) == fromTSV[line[0]]!.count)
        }
        #expect(fromTSV.values.allSatisfy { $0.count == k })
        var fromJSONL: [String: [String]] = [:]
        for line in try String(contentsOf: recommend("recs.jsonl"), encoding: .utf8).split(separator: "\n") {
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            fromJSONL[object["user"] as! String] = object["items"] as? [String]
        }
        #expect(fromJSONL == fromTSV)
        let npy = try recommend("recs.bin", ["--output-format", "npy"])
        let (shape, values) = try NPY.readInt32Array(from: npy)
        let sidecar = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: tmp.file("recs.bin.json"))) as? [String: Any])
        let users = try #require(sidecar["users"] as? [String]), items = try #require(sidecar["items"] as? [String])
        #expect(shape == [order.count, k] && users == order)
        for (r, user) in users.enumerated() {
            #expect(values[(r * k)..<((r + 1) * k)].map { items[Int($0)] } == fromTSV[user])
        }
        // Without the exclusion the lists differ (some training items rank high).
        let all = try String(contentsOf: recommend("all.tsv", ["--no-exclude-train"]), encoding: .utf8)
        #expect(all != (try String(contentsOf: tmp.file("out/recs.tsv"), encoding: .utf8)))

        // A user list: the users in file order; an unknown id names the file and line.
        let list = tmp.write("users.txt", "\(order[2])\n\(order[0])\n")
        let some = try String(contentsOf: recommend("some.tsv", ["--users", list]), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(some.map { String($0.split(separator: "\t")[0]) } == Array(repeating: order[2], count: k) + Array(repeating: order[0], count: k))
        let badList = tmp.write("users-bad.txt", "\(order[0])\nnobody\n")
        let bad = try CLI.run(["recommend", "--run", run.path, "--output", tmp.file("bad.tsv").path, "--users", badList])
        #expect(bad.code != 0 && bad.err.contains("users-bad.txt:2: unknown user id 'nobody'"), "\(bad.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("bad.tsv").path))
        // An output whose format cannot be told is a usage error.
        let unknown = try CLI.run(["recommend", "--run", run.path, "--output", tmp.file("recs.csv").path])
        #expect(unknown.code == 64 && unknown.err.contains("--output-format"), "\(unknown.err)")
    }

    /// Filter settings are checked while parsing.
    @Test(arguments: [
        (["--k-core", "0"], "--k-core must be at least 1"),
        (["--rating-column", "stars"], "--rating-column is only read for --min-rating"),
        (["--min-rating", "4"], "not the generated 'synthetic' data"),
    ])
    func badFilterSettingsAreUsageErrors(_ args: [String], _ message: String) throws {
        let (code, _, err) = try CLI.run(["data", "info", "--data", "synthetic"] + args)
        #expect(code == 64 && err.contains(message), "\(err)")
    }

    /// --min-rating on a CSV without a rating column: the error lists the header.
    @Test func missingRatingColumnNamesTheColumns() throws {
        let tmp = TempDir()
        let data = tmp.write("plays.csv", "user,item,ts\nu1,a,1\nu1,b,2\nu2,a,3\n")
        let (code, _, err) = try CLI.run(["data", "info", "--data", data, "--min-rating", "4", "--split", "loo"])
        #expect(code != 0 && err.contains("plays.csv:1:") && err.contains("the header has 'user', 'item', 'ts'"), "\(err)")
    }
}
