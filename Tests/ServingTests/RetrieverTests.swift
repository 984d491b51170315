import TestSupport
import RunFixtures
import Foundation
import Testing
import NumCore
@testable import Serving
import Codebooks

/// Writes an `esans cluster`-like directory giving item i the primary code `i % kp`.
func writeMSAC(to dir: URL, itemIDs: [String], kp: Int, dropFirst: Bool = false) throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let n = itemIDs.count
    let ids = SemanticIDs(primary: (0..<n).map { Int32($0 % kp) }, secondary: (0..<n).map { Int32($0 % 2) }, kp: kp, ks: 2)
    let books = CascadedCodebooks(primary: Matrix(rows: kp, cols: 4), secondary: Matrix(rows: 2, cols: 4), modalityNames: ["behaviour"])
    try books.write(to: dir.appendingPathComponent("msac.safetensors"), ids: ids)
    if dropFirst {
        var text = "item_id\tprimary\tsecondary\n"
        for i in 1..<n { text += "\(itemIDs[i])\t\(ids.primary[i])\t\(ids.secondary[i])\n" }
        try text.write(to: dir.appendingPathComponent("semantic_ids.tsv"), atomically: true, encoding: .utf8)
    } else {
        try ids.writeTSV(itemIDs: itemIDs, to: dir.appendingPathComponent("semantic_ids.tsv"))
    }
}

@Suite struct RetrieverTests {
    @Test func msacListsFollowThePrimaryCodes() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url))
        let names = run.dataset.items.externalIDs
        try writeMSAC(to: tmp.file("msac"), itemIDs: names, kp: 5)
        let ivf = try IVFBuilder.fromMSAC(tmp.file("msac"), items: run.items, itemIDs: run.dataset.items, defaultProbes: 2)
        #expect(ivf.lists == 5)
        #expect(ivf.assignments == (0..<names.count).map { Int32($0 % 5) })
        try writeMSAC(to: tmp.file("partial"), itemIDs: names, kp: 5, dropFirst: true)
        #expect(throws: ServingError.self) {
            try IVFBuilder.fromMSAC(tmp.file("partial"), items: run.items, itemIDs: run.dataset.items, defaultProbes: 2)
        }
        #expect(throws: ServingError.self) {
            try IVFBuilder.fromMSAC(tmp.file("nowhere"), items: run.items, itemIDs: run.dataset.items, defaultProbes: 2)
        }
    }

    @Test func userVectorAndSimilarQueries() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url))
        let r = Retriever(run: run, ivf: nil, maxK: 50)
        let u = 7, uid = run.dataset.users[u]
        let seen = Set(run.dataset.train.items(of: u).map { run.dataset.items[Int($0)] })
        let got = try r.retrieve(RetrievalQuery(source: .user(uid), k: 10))
        #expect(got.count == 10 && got.allSatisfy { !seen.contains($0.id) })
        let want = bruteForce(run.items, run.users.rowArray(u), k: 10, excluding: Set(run.dataset.train.items(of: u)))
        #expect(got.map(\.id) == want.map { run.dataset.items[Int($0.0)] })
        // exclude_seen false lets the training items back in; explicit exclusions still apply.
        let all = try r.retrieve(RetrievalQuery(source: .user(uid), k: 50, excludeSeen: false, exclude: [got[0].id]))
        #expect(all.count == 50 && !all.contains { $0.id == got[0].id })
        // A raw vector is normalised: the user's vector times 3 gives the same ranking.
        let v = run.users.rowArray(u).map { $0 * 3 }
        let byVector = try r.retrieve(RetrievalQuery(source: .vector(v), k: 10, exclude: Array(seen)))
        #expect(byVector.map(\.id) == got.map(\.id))
        let sim = try r.similar(to: run.dataset.items[3], k: 5)
        #expect(sim.count == 5 && !sim.contains { $0.id == run.dataset.items[3] })
        #expect(throws: ServingError.self) { try r.retrieve(RetrievalQuery(source: .user(uid), k: 5, index: .ivf)) }
    }

    /// A vector's scale does not change its answer, up to Float's limits (found while
    /// checking scripts/soak.sh's schemathesis findings: the norm was summed in Float, so
    /// values above about 1.8e19 overflowed it and every score came back 0, and values below
    /// about 4e-23 underflowed it into "vector is all zeros").
    @Test(arguments: [Float(1e20), 1e30, 1e38, 1e-20, 1e-30, 1e-40, 1e-44])
    func aVectorsScaleDoesNotChangeItsAnswer(scale: Float) throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url))
        let r = Retriever(run: run, ivf: nil, maxK: 50)
        // One large or small component: exactly representable at every scale.
        var unit = [Float](repeating: 0, count: run.dimension)
        unit[2] = 1
        let want = try r.retrieve(RetrievalQuery(source: .vector(unit), k: 10))
        let got = try r.retrieve(RetrievalQuery(source: .vector(unit.map { $0 * scale }), k: 10))
        #expect(got == want)
        #expect(got.allSatisfy { $0.score != 0 })
        // A dense vector whose squares overflow or underflow Float.
        let dense = run.users.rowArray(3)
        let wantDense = try r.retrieve(RetrievalQuery(source: .vector(dense), k: 10))
        let gotDense = try r.retrieve(RetrievalQuery(source: .vector(dense.map { $0 * scale }), k: 10))
        if scale >= 1e-30 {  // below that the user's smaller components are Float subnormals and lose digits
            #expect(gotDense.map(\.id) == wantDense.map(\.id))
        }
        #expect(gotDense.allSatisfy { $0.score.isFinite && $0.score != 0 })
    }

    @Test func historyQueriesGoThroughTheUserTower() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url, history: true, idEmbedding: false))
        let r = Retriever(run: run, ivf: nil)
        #expect(r.supportsHistory)
        // A known user's training history reproduces their precomputed vector's ranking.
        let u = 4
        let hist = run.dataset.train.items(of: u).map { run.dataset.items[Int($0)] }
        let byHistory = try r.retrieve(RetrievalQuery(source: .history(hist, user: nil), k: 8))
        let byUser = try r.retrieve(RetrievalQuery(source: .user(run.dataset.users[u]), k: 8))
        #expect(byHistory.map(\.id) == byUser.map(\.id))
        #expect(!byHistory.contains { hist.contains($0.id) })
        // A model without a history tower refuses history queries.
        let plain = Retriever(run: try ServingRun(directory: try makeRun(in: tmp.file("plain"))), ivf: nil)
        #expect(!plain.supportsHistory)
        #expect(throws: ServingError(.unsupported, "this model's user tower does not pool a history (train with --history); send user_id or vector")) {
            try plain.retrieve(RetrievalQuery(source: .history(hist, user: nil), k: 3))
        }
    }

    @Test(arguments: [
        (RetrievalQuery(source: .user("7"), k: 0), ServingError.Kind.invalidRequest),
        (RetrievalQuery(source: .user("7"), k: 51), .invalidRequest),
        (RetrievalQuery(source: .user("no-such-user"), k: 5), .notFound),
        (RetrievalQuery(source: .user("7"), k: 5, exclude: ["no-such-item"]), .notFound),
        (RetrievalQuery(source: .vector([1, 2, 3]), k: 5), .invalidRequest),
        (RetrievalQuery(source: .vector([Float](repeating: 0, count: 8)), k: 5), .invalidRequest),
        (RetrievalQuery(source: .vector([Float](repeating: .infinity, count: 8)), k: 5), .invalidRequest),
        (RetrievalQuery(source: .history(["1"], user: nil), k: 5), .unsupported),
        (RetrievalQuery(source: .user("7"), k: 5, index: .ivf), .unsupported),
    ])
    func badQueriesAreRefused(query: RetrievalQuery, kind: ServingError.Kind) throws {
        let tmp = TempDir()
        let r = Retriever(run: try ServingRun(directory: try makeRun(in: tmp.url)), ivf: nil, maxK: 50)
        do {
            _ = try r.retrieve(query)
            Issue.record("accepted \(query)")
        } catch let e as ServingError {
            #expect(e.kind == kind, "\(e.message)")
        }
    }

    @Test func runLoadingErrorsNameTheProblem() throws {
        let tmp = TempDir()
        #expect(throws: ServingError.self) { try ServingRun(directory: tmp.file("nothing")) }
        let run = try makeRun(in: tmp.url)
        try FileManager.default.removeItem(at: run.appendingPathComponent("model.safetensors"))
        #expect(throws: ServingError.self) { try ServingRun(directory: run) }
    }
}
