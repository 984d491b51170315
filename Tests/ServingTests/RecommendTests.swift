import TestSupport
import RunFixtures
import Foundation
import Testing
import NumCore
import Datasets
@testable import Serving

/// The top-K lists of `esans recommend`: exact (against a brute-force scan), every format
/// readable back, the user list file's errors.
@Suite struct RecommendTests {
    /// Brute-force top-k of every user of `run`, skipping the known items when asked.
    private func reference(_ run: ServingRun, user u: Int, k: Int, exclude: Bool) -> [(Int32, Float)] {
        let excluded = exclude ? Set(run.known.items(of: u)) : []
        return bruteForce(run.items, run.users.rowArray(u), k: k, excluding: excluded)
    }

    /// Checks one user's list against the brute-force one: same items and scores (to float
    /// rounding; items may swap only between scores that tie to that precision).
    private func expectMatches(_ items: [Int32], _ scores: [Float], _ expected: [(Int32, Float)], user: Int) {
        #expect(items.count == expected.count, "user \(user): \(items.count) items, expected \(expected.count)")
        for (j, (item, score)) in zip(items, scores).enumerated() where j < expected.count {
            #expect(abs(score - expected[j].1) < 1e-5, "user \(user) rank \(j + 1): score \(score), expected \(expected[j].1)")
            if item != expected[j].0 {
                #expect(abs(expected[j].1 - (expected.first { $0.0 == item }?.1 ?? .infinity)) < 1e-5,
                        "user \(user) rank \(j + 1): item \(item), expected \(expected[j].0)")
            }
        }
    }

    @Test(arguments: [true, false])
    func matchesBruteForceInBlocks(exclude: Bool) throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: makeRun(in: tmp.url, users: 40, items: 60, dim: 8))
        let recommender = BatchRecommender(run: run, excludeKnown: exclude)
        let users = (0..<run.dataset.numUsers).map { Int32($0) }.reversed().map { $0 }
        var seen: [Int32] = []
        // Blocks of 7 users: 40 users in 6 blocks, the last one short.
        var blocks = 0
        recommender.recommend(users, k: 10, blockSize: 7) { chunk in
            #expect(chunk.first == seen.count && chunk.k == 10)
            blocks += 1
            seen += chunk.users
            for (r, u) in chunk.users.enumerated() {
                let row = (r * 10)..<(r * 10 + 10)
                expectMatches(Array(chunk.items[row]), Array(chunk.scores[row]), reference(run, user: Int(u), k: 10, exclude: exclude), user: Int(u))
                if exclude {
                    #expect(Set(chunk.items[row]).isDisjoint(with: run.known.items(of: Int(u))), "user \(u) got a training item")
                }
            }
        }
        #expect(blocks == 6 && seen == users)
    }

    /// Asking for more items than a user has left pads the row with -1 (and NaN scores).
    @Test func shortRowsArePadded() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: makeRun(in: tmp.url, users: 12, items: 20, dim: 4))
        let recommender = BatchRecommender(run: run, excludeKnown: true)
        #expect(recommender.columns(k: 1000) == run.dataset.numItems)
        recommender.recommend([0, 5], k: 1000) { chunk in
            for r in 0..<2 {
                let n = chunk.count(ofRow: r)
                #expect(n == run.dataset.numItems - run.known.items(of: Int(chunk.users[r])).count)
                #expect(chunk.items[(r * chunk.k + n)..<((r + 1) * chunk.k)].allSatisfy { $0 == -1 })
                #expect(chunk.scores[r * chunk.k + n].isNaN)
            }
        }
    }

    /// TSV, JSONL and .npy (with its sidecar) all read back to the same lists, with raw ids.
    @Test func everyFormatReadsBack() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: makeRun(in: tmp.url, users: 30, items: 50, dim: 8))
        let ds = run.dataset
        let recommender = BatchRecommender(run: run, excludeKnown: true)
        let users: [Int32] = [3, 0, 17, 3]
        let k = 6
        var expected: [[String]] = []
        recommender.recommend(users, k: k) { chunk in
            for r in 0..<chunk.users.count { expected.append(chunk.items[(r * k)..<((r + 1) * k)].map { ds.items[Int($0)] }) }
        }
        func write(_ format: RecommendationFormat, _ name: String) throws -> URL {
            let url = tmp.file(name)
            let writer = try RecommendationWriter(url: url, format: format, k: k, userIDs: ds.users, itemIDs: ds.items,
                                                  run: "/runs/r", excludeKnown: true)
            try recommender.recommend(users, k: k, blockSize: 3) { try writer.append($0) }
            // Nothing at the destination until the commit.
            #expect(!FileManager.default.fileExists(atPath: url.path))
            try writer.commit()
            return url
        }
        // TSV: header, then user, item, score, rank.
        let tsv = try String(contentsOf: write(.tsv, "r.tsv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(tsv.first == ["user", "item", "score", "rank"])
        #expect(tsv.count == 1 + users.count * k)
        for (n, u) in users.enumerated() {
            let lines = tsv[(1 + n * k)...(n * k + k)]
            #expect(lines.map { $0[0] } == Array(repeating: ds.users[Int(u)], count: k))
            #expect(lines.map { $0[1] } == expected[n])
            #expect(lines.map { $0[3] } == (1...k).map(String.init))
            let scores = lines.map { Float($0[2])! }
            #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 >= $1 })
            #expect(abs(scores[0] - reference(run, user: Int(u), k: 1, exclude: true)[0].1) < 1e-5)
        }
        // JSONL: one object per user.
        let jsonl = try String(contentsOf: write(.jsonl, "r.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(jsonl.count == users.count)
        for (n, line) in jsonl.enumerated() {
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["user"] as? String == ds.users[Int(users[n])])
            #expect(object["items"] as? [String] == expected[n])
            #expect((object["scores"] as? [Double])?.count == k)
        }
        // .npy: int32 item indices, users x k, and the sidecar that names rows and indices.
        let npy = try write(.npy, "r.npy")
        let (shape, values) = try NPY.readInt32Array(from: npy)
        #expect(shape == [users.count, k])
        let sidecar = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: RecommendationWriter.sidecarURL(for: npy))) as? [String: Any])
        #expect(sidecar["users"] as? [String] == users.map { ds.users[Int($0)] })
        let itemIDs = try #require(sidecar["items"] as? [String])
        #expect(itemIDs == ds.items.externalIDs)
        #expect(sidecar["shape"] as? [Int] == [users.count, k] && sidecar["exclude_train"] as? Bool == true)
        for n in 0..<users.count {
            #expect(values[(n * k)..<((n + 1) * k)].map { itemIDs[Int($0)] } == expected[n])
        }
        #expect(RecommendationFormat(fileExtensionOf: "a/b.JSONL") == .jsonl && RecommendationFormat(fileExtensionOf: "x.csv") == nil)
    }

    /// A writer that is not committed leaves nothing behind.
    @Test func discardedOutputLeavesNothing() throws {
        let tmp = TempDir()
        let url = tmp.file("partial.tsv")
        do {
            let writer = try RecommendationWriter(url: url, format: .tsv, k: 2, userIDs: IDMap(["u"]), itemIDs: IDMap(["a", "b"]),
                                                  run: "r", excludeKnown: false)
            try writer.append(RecommendationChunk(first: 0, users: [0], k: 2, items: [1, 0], scores: [0.5, 0.25]))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
    }

    @Test func userListFile() throws {
        let tmp = TempDir()
        let users = IDMap(["u1", "u2", "u3"])
        let good = tmp.write("users.txt", "u2\n\n  u1 \r\nu2\n")
        #expect(try UserListFile.read(path: good, users: users) == [1, 0, 1])
        let bad = tmp.write("some-users.txt", "u1\nu9\n")
        let error = #expect(throws: DataError.self) { try UserListFile.read(path: bad, users: users) }
        #expect(error?.description == "some-users.txt:2: unknown user id 'u9': not a user of the run's training data (3 users)")
        let empty = tmp.write("empty.txt", "\n\n")
        #expect(throws: DataError.self) { try UserListFile.read(path: empty, users: users) }
    }
}
