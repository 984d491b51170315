import Foundation
import Testing
import NumCore
import Datasets
@testable import Semantic
@testable import Alignment
@testable import Clustering

/// Structured (TF-IDF + KG), behaviour (PPMI) and imported featurisers: hand examples, error
/// reporting, presence flags, one check on real ML-100K, and an opt-in benchmark.
struct FeaturiserTests {
    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("esans-feat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    static func write(_ text: String, _ name: String, in dir: URL) throws -> URL {
        let u = dir.appendingPathComponent(name)
        try text.write(to: u, atomically: true, encoding: .utf8)
        return u
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return String(describing: error) }
        return "<no error>"
    }

    // MARK: structured

    @Test func tfidfHandExample() {
        // Items: {a, b}, {a}, {c, c}, {} ; N = 3 documents; df: a 2, b 1, c 1.
        let t = StructuredFeatures.tfidf([["a", "b"], ["a"], ["c", "c"], []], minDocumentFrequency: 1)
        #expect(t.vocabulary == ["a", "b", "c"])
        let d = t.matrix.dense()
        let wa = log(1.5), wb = log(3.0)
        let n0 = (wa * wa + wb * wb).squareRoot()
        #expect(abs(Double(d[0, 0]) - wa / n0) < 1e-6 && abs(Double(d[0, 1]) - wb / n0) < 1e-6)
        #expect(abs(d[1, 0] - 1) < 1e-6)
        #expect(abs(d[2, 2] - 1) < 1e-6)            // (1 + ln 2)·ln 3, normalised
        #expect(t.matrix.rowOffsets[4] == t.matrix.rowOffsets[3])
        // min df 2 keeps only a; a token in every document is dropped.
        #expect(StructuredFeatures.tfidf([["a", "b"], ["a"], ["c"]], minDocumentFrequency: 2).vocabulary == ["a"])
        #expect(StructuredFeatures.tfidf([["a", "b"], ["a"]], minDocumentFrequency: 1).vocabulary == ["b"])
    }

    @Test func knowledgeGraphTokensFromFixture() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let link = try Self.write("item_id:token\tentity_id:token\n1\tm.a\n2\tm.b\n99\tm.z\n", "t.link", in: dir)
        let kg = try Self.write("""
            head_id:token\trelation_id:token\ttail_id:token
            m.a\tfilm.film.actor\tm.actor1
            m.b\tfilm.film.actor\tm.actor1
            m.a\tfilm.film.directed_by\tm.dir1
            m.dir1\tfilm.director.film\tm.a
            m.x\tfilm.film.actor\tm.actor2

            """, "t.kg", in: dir)
        let items = IDMap(["1", "2", "3"])
        let (tokens, report) = try StructuredFeatures.knowledgeGraphTokens(
            kg: AtomicTable.read(path: kg.path), link: AtomicTable.read(path: link.path), items: items)
        #expect(tokens[0] == ["film.film.actor=m.actor1", "film.film.directed_by=m.dir1"])
        #expect(tokens[1] == ["film.film.actor=m.actor1"])
        #expect(tokens[2].isEmpty)
        #expect(report.joined().contains("2 of 3 items linked"))
        let only = try StructuredFeatures.knowledgeGraphTokens(
            kg: AtomicTable.read(path: kg.path), link: AtomicTable.read(path: link.path), items: items,
            relations: ["film.film.directed_by"])
        #expect(only.tokens[0] == ["film.film.directed_by=m.dir1"] && only.tokens[1].isEmpty)

        let itemFile = try Self.write("item_id:token\tclass:token_seq\tyear:token\n1\tA B\t1995\n2\tB\t1995\n3\tC\t1990\n", "t.item", in: dir)
        let m = try StructuredFeatures.build(items: items, itemFile: itemFile, fields: [.init("class")],
                                             kgFile: kg, linkFile: link,
                                             options: .init(svd: .init(dim: 4, scaling: .full), minDocumentFrequency: 1), pool: nil)
        #expect(m.dim == 4 && m.present == [true, true, true])
        #expect(m.cosine(0, 1) > m.cosine(0, 2))
        let e = Self.message { _ = try StructuredFeatures.build(items: items, itemFile: itemFile, fields: [.init("genre")], pool: nil) }
        #expect(e.contains("t.item") && e.contains("genre"), "\(e)")
    }

    @Test func itemsWithoutTokensAreNotPresent() {
        let m = StructuredFeatures.reduce(tokens: [["g=x"], ["g=x", "g=y"], [], ["g=y"]],
                                          options: .init(svd: .init(dim: 3, scaling: .full), minDocumentFrequency: 1), pool: nil)
        #expect(m.present == [true, true, false, true])
        #expect(m.vectors.rowArray(2) == [0, 0, 0])
        #expect(m.vectors.cols == 3)
    }

    // MARK: behaviour

    @Test func ppmiHandExample() {
        // Users {0,1}, {0,1,2}, {1,2}; item 3 never seen.
        let train = Interactions(numUsers: 3, numItems: 4, lists: [[0, 1], [0, 1, 2], [1, 2]])
        let c = BehaviourFeatures.cooccurrence(train, pool: nil)
        #expect(c.counts.dense().array == [0, 2, 1, 0, 2, 0, 2, 0, 1, 2, 0, 0, 0, 0, 0, 0])
        #expect(c.totals == [3, 4, 3, 0])
        let p = BehaviourFeatures.ppmi(c.counts, smoothing: 1).dense()
        // Row sums 3, 4, 3; total 10.
        #expect(abs(Double(p[0, 1]) - log(20.0 / 12)) < 1e-6)
        #expect(abs(Double(p[0, 2]) - log(10.0 / 9)) < 1e-6)
        #expect(abs(Double(p[1, 2]) - log(20.0 / 12)) < 1e-6)
        // Smoothed: ln(n · Σ r^α / (r_i r_j^α)).
        let s = BehaviourFeatures.ppmi(c.counts, totals: c.totals, smoothing: 0.75).dense()
        let total = pow(3.0, 0.75) * 2 + pow(4.0, 0.75)
        #expect(abs(Double(s[0, 1]) - log(2 * total / (3 * pow(4.0, 0.75)))) < 1e-5)
        // A negative PMI is dropped: item pairs that co-occur less than chance.
        // n(0,1) = 1, n(0,2) = 9, n(1,3) = 9, n(2,3) = 1: every r_i = 10, total 40, so
        // pmi(0,1) = ln(40/100) < 0 is dropped and pmi(0,2) = ln(360/100) kept.
        let t: [(row: Int, col: Int, value: Float)] = [(0, 1, 1), (1, 0, 1), (0, 2, 9), (2, 0, 9), (1, 3, 9), (3, 1, 9), (2, 3, 1), (3, 2, 1)]
        let q = BehaviourFeatures.ppmi(SparseMatrix(rows: 4, cols: 4, triplets: t), smoothing: 1)
        #expect(q.nonZeroCount == 4 && q.dense()[0, 1] == 0 && abs(Double(q.dense()[0, 2]) - log(3.6)) < 1e-6)
        let m = BehaviourFeatures.build(train: train, options: .init(svd: .init(dim: 2, scaling: .sqrt)), pool: nil)
        #expect(m.present == [true, true, true, false] && m.dim == 2)
    }

    @Test func historyCapBoundsPairs() {
        let long = (0..<50).map { Int32($0) }
        let train = Interactions(numUsers: 2, numItems: 50, lists: [long, [0, 1]])
        let full = BehaviourFeatures.cooccurrence(train, maxHistory: 100, maxNeighbours: 0, pool: nil).counts
        #expect(full.nonZeroCount == 50 * 49)
        let capped = BehaviourFeatures.cooccurrence(train, maxHistory: 10, seed: 3, pool: nil).counts
        #expect(capped.nonZeroCount <= 10 * 9 + 2)
        let again = BehaviourFeatures.cooccurrence(train, maxHistory: 10, seed: 3, pool: WorkerPool(threads: 2)).counts
        #expect(again.columnIndices == capped.columnIndices && again.values == capped.values)
        // Neighbour pruning keeps the largest counts (item 1 co-occurs twice with 0) and the
        // unpruned marginals.
        let pruned = BehaviourFeatures.cooccurrence(train, maxHistory: 100, maxNeighbours: 1, pool: nil)
        #expect(pruned.counts.rowOffsets[1] == 1 && pruned.counts.columnIndices[0] == 1 && pruned.counts.values[0] == 2)
        #expect(pruned.totals[0] == 49 + 1 && pruned.counts.nonZeroCount == 50)
    }

    @Test func behaviourFromCheckpointTensor() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var st = SafeTensorsFile()
        st.add(name: "item.embedding", matrix: Matrix(rows: 3, cols: 2, values: [1, 2, 0, 0, 3, 4]))
        let url = dir.appendingPathComponent("ckpt.safetensors")
        try st.write(to: url)
        let m = try BehaviourFeatures.fromCheckpoint(url, numItems: 3)
        #expect(m.present == [true, false, true] && m.dim == 2)
        #expect(Self.message { _ = try BehaviourFeatures.fromCheckpoint(url, numItems: 4) }.contains("3 rows but the data set has 4 items"))
        var bad = SafeTensorsFile()
        bad.add(name: "item.embedding", matrix: Matrix(rows: 2, cols: 1, values: [1, .infinity]))
        try bad.write(to: url)
        #expect(Self.message { _ = try BehaviourFeatures.fromCheckpoint(url, numItems: 2) }.contains("row 1"))
    }

    // MARK: imported

    @Test func importedNPYWithUnmatchedIDs() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let items = IDMap(["a", "b", "c"])
        let npy = dir.appendingPathComponent("img.npy")
        try NPY.write(Matrix(rows: 3, cols: 2, values: [1, 2, 3, 4, 5, 6]), to: npy)
        let ids = try Self.write("c\nzz\na\n", "img.ids", in: dir)
        let m = try ImportedFeatures.fromNPY(npy, ids: ids, items: items, name: "visual")
        #expect(m.present == [true, false, true])
        #expect(m.vectors.array == [5, 6, 0, 0, 1, 2])
        let report = m.report.joined(separator: "\n")
        #expect(report.contains("1 ids in img.npy are not data set items") && report.contains("'zz'"))
        #expect(report.contains("1 items have no vector") && report.contains("'b'"))

        let bad = dir.appendingPathComponent("bad.npy")
        try NPY.write(Matrix(rows: 3, cols: 2, values: [1, 2, 3, .nan, 5, 6]), to: bad)
        let e = Self.message { _ = try ImportedFeatures.fromNPY(bad, ids: ids, items: items, name: "visual") }
        #expect(e.contains("bad.npy") && e.contains("row 1") && e.contains("zz"), "\(e)")
        let short = try Self.write("a\nb\n", "short.ids", in: dir)
        #expect(Self.message { _ = try ImportedFeatures.fromNPY(npy, ids: short, items: items, name: "v") }.contains("3 rows but 2 ids"))

        // safetensors with an integer id tensor and with row order.
        var st = SafeTensorsFile()
        st.add(name: "emb", matrix: Matrix(rows: 2, cols: 2, values: [1, 1, 2, 2]))
        st.add(name: "ids", int64: [7, 8])
        let stURL = dir.appendingPathComponent("v.safetensors")
        try st.write(to: stURL)
        let byTensor = try ImportedFeatures.fromSafeTensors(stURL, tensor: "emb", ids: .tensor("ids"), items: IDMap(["8", "9"]), name: "v")
        #expect(byTensor.present == [true, false] && byTensor.vectors.rowArray(0) == [2, 2])
        let byRow = try ImportedFeatures.fromSafeTensors(stURL, tensor: "emb", ids: .rowIndex, items: IDMap(["8", "9"]), name: "v")
        #expect(byRow.present == [true, true])
        #expect(throws: SemanticError.self) {
            _ = try ImportedFeatures.fromSafeTensors(stURL, tensor: "nope", ids: .rowIndex, items: items, name: "v")
        }
    }

    @Test func importedCSV() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let items = IDMap(["a", "b", "c"])
        let ok = try Self.write("id,x,y\nb,1,2\nq,3,4\r\n\nc, 5 ,6\n", "ok.csv", in: dir)
        let m = try ImportedFeatures.fromCSV(ok, items: items, name: "visual")
        #expect(m.present == [false, true, true] && m.vectors.array == [0, 0, 1, 2, 5, 6])
        #expect(m.report.joined().contains("'q'"))

        let nan = try Self.write("b,1,2\nc,NaN,4\n", "nan.csv", in: dir)
        let e1 = Self.message { _ = try ImportedFeatures.fromCSV(nan, items: items, name: "v") }
        #expect(e1.contains("nan.csv") && e1.contains("line 2"), "\(e1)")
        let dim = try Self.write("b,1,2\nc,3,4\na,5\n", "dim.csv", in: dir)
        let e2 = Self.message { _ = try ImportedFeatures.fromCSV(dim, items: items, name: "v") }
        #expect(e2.contains("dim.csv") && e2.contains("line 3") && e2.contains("1 values"), "\(e2)")
        let word = try Self.write("b,1,2\nc,x,4\n", "word.csv", in: dir)
        #expect(Self.message { _ = try ImportedFeatures.fromCSV(word, items: items, name: "v") }.contains("line 2"))
        let dup = try Self.write("b,1,2\nb,3,4\n", "dup.csv", in: dir)
        #expect(Self.message { _ = try ImportedFeatures.fromCSV(dup, items: items, name: "v") }.contains("already given at line 1"))
        #expect(throws: SemanticError.self) {
            _ = try ImportedFeatures.fromCSV(dir.appendingPathComponent("missing.csv"), items: items, name: "v")
        }
    }

    // MARK: real data

    @Test(.enabled(if: DataFetcher.locate(.ml100k) != nil))
    func movieLensGenresMakeItemsCloser() throws {
        let dir = try #require(DataFetcher.locate(.ml100k))
        let d = try DatasetLoader.load(path: dir.path, options: LoadOptions())
        let m = try StructuredFeatures.build(items: d.items, itemFile: dir.appendingPathComponent("ml-100k.item"),
                                             fields: [.init("class")], kgFile: dir.appendingPathComponent("ml-100k.kg"),
                                             linkFile: dir.appendingPathComponent("ml-100k.link"), options: .init(svd: .init(dim: 32, scaling: .full)))
        #expect(m.presentCount > d.numItems * 9 / 10)
        let table = try AtomicTable.read(path: dir.appendingPathComponent("ml-100k.item").path, only: ["item_id", "class"])
        var genres = [Set<String>](repeating: [], count: d.numItems)
        for (id, g) in zip(table.tokens("item_id")!, table.tokenSequences("class")!) {
            if let i = d.items.index(of: id) { genres[i] = Set(g) }
        }
        var rng = RandomSource(seed: 11)
        var shared: [Float] = [], disjoint: [Float] = []
        while shared.count < 2000 || disjoint.count < 2000 {
            let i = rng.below(d.numItems), j = rng.below(d.numItems)
            guard i != j, m.present[i], m.present[j], !genres[i].isEmpty, !genres[j].isEmpty else { continue }
            if genres[i].isDisjoint(with: genres[j]) { disjoint.append(m.cosine(i, j)) } else { shared.append(m.cosine(i, j)) }
        }
        let meanShared = shared.prefix(2000).reduce(0, +) / 2000, meanDisjoint = disjoint.prefix(2000).reduce(0, +) / 2000
        #expect(meanShared > meanDisjoint + 0.05, "shared \(meanShared) vs disjoint \(meanDisjoint)")
    }

    /// Timings on ML-1M and Gowalla; runs only with ESANS_BENCH=1 (use a release build).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ESANS_BENCH"] == "1"))
    func featuriserBenchmark() throws {
        func time<T>(_ label: String, _ body: () throws -> T) rethrows -> T {
            let t0 = Date()
            let r = try body()
            print(String(format: "[bench] %@: %.2f s", label, Date().timeIntervalSince(t0)))
            return r
        }
        if let dir = DataFetcher.locate(.ml1m) {
            let d = try DatasetLoader.load(path: dir.path, options: LoadOptions())
            let s = try time("ML-1M structured (genre, year) d=64") {
                try StructuredFeatures.build(items: d.items, itemFile: dir.appendingPathComponent("ml-1m.item"),
                                             fields: [.init("genre", splitOnSpaces: true), .init("release_year")])
            }
            let b = time("ML-1M behaviour PPMI + SVD d=64") { BehaviourFeatures.build(train: d.train) }
            for line in s.report + b.report { print("[bench]", line) }
        }
        let gowalla = "/work/shared/data/gowalla"
        if FileManager.default.fileExists(atPath: gowalla) {
            let d = try DatasetLoader.load(path: gowalla, options: LoadOptions(format: .lightgcn))
            let c = time("Gowalla co-occurrence counts") { BehaviourFeatures.cooccurrence(d.train) }
            let p = time("Gowalla PPMI") { BehaviourFeatures.ppmi(c.counts, totals: c.totals) }
            _ = time("Gowalla SVD d=64 of \(p.nonZeroCount) entries") { RandomizedSVD(p, rank: 64) }
            let b = time("Gowalla behaviour PPMI + SVD d=64 (all)") { BehaviourFeatures.build(train: d.train) }
            for line in b.report { print("[bench]", line) }
        }
    }
}
