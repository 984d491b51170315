import Foundation
import Testing
import NumCore
import Datasets
@testable import Semantic

/// The visual modality without the network: image SPECs (posters.tsv joined on title or id, a
/// plain folder), bad tables, items without an image, and the feature cache, with a fake
/// encoder standing in for EfficientNet-Lite0.
struct VisualModalityTests {
    /// A scratch folder with `images/<name>` files (bytes irrelevant: the fake encoder reads names).
    static func folder(images: [String], table: String? = nil) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("esans-visual-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d.appendingPathComponent("images"), withIntermediateDirectories: true)
        for name in images { try Data(name.utf8).write(to: d.appendingPathComponent("images/\(name)")) }
        if let table { try table.write(to: d.appendingPathComponent("posters.tsv"), atomically: true, encoding: .utf8) }
        return d
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return String(describing: error) }
        return "<no error>"
    }

    /// Features of a file: 4 values from its name's bytes, so rows are distinct and reproducible.
    /// Files named `bad*` fail. Counts the files it is asked for.
    final class FakeEncoder: @unchecked Sendable {
        var calls: [[String]] = []
        func encode(_ files: [URL]) -> (features: Matrix, failures: [(index: Int, reason: String)]) {
            calls.append(files.map(\.lastPathComponent))
            let m = Matrix(rows: files.count, cols: 4)
            var failures: [(index: Int, reason: String)] = []
            for (r, f) in files.enumerated() {
                if f.lastPathComponent.hasPrefix("bad") { failures.append((r, "\(f.lastPathComponent): cannot decode JPEG")); continue }
                let bytes = Array((try? Data(contentsOf: f)) ?? Data())
                for c in 0..<4 { m[r, c] = Float(bytes.reduce(c + 1) { ($0 * 31 + Int($1)) % 997 }) + 1 }
            }
            return (m, failures)
        }
    }

    static let table = """
        movie_id\ttitle\tfile
        1\tToy Story (1995)\timages/1.jpg
        2\tThe Matrix (1999)\timages/2.jpg
        3\tMis\u{FFFD}rables, Les (1998)\timages/3.jpg
        4\tNo Poster (1990)\t
        5\tTWIN (1990)\timages/5.jpg
        6\tUnused (1970)\timages/6.jpg

        """

    @Test func postersJoinOnNormalisedTitlesAndCountEveryOutcome() throws {
        let dir = try Self.folder(images: ["1.jpg", "2.jpg", "3.jpg", "5.jpg", "6.jpg"], table: Self.table)
        defer { try? FileManager.default.removeItem(at: dir) }
        let items = IDMap(["Toy Story (1995)", "Matrix, The (1999)", "Misérables, Les (1998)", "No Poster (1990)",
                           "Twin (1990)", "Twin! (1990)", "Not There (2000)"])
        let images = try ItemImages.resolve(spec: dir, items: items)
        let s = images.summary
        #expect(s.joinedOn == "title")
        #expect(images.files.map { $0?.lastPathComponent } == ["1.jpg", "2.jpg", "3.jpg", nil, nil, nil, nil])
        #expect(s.items == 7 && s.withImage == 3 && s.matchedWithoutImage == 1 && s.unmatched == 1 && s.ambiguous == 2 && s.unusedImages == 2)
        #expect(s.byPass == [.exact: 2, .folded: 1, .wildcard: 1])
        #expect(images.report[0].contains("3 of 7 items have an image") && images.report[0].contains("1 unmatched, 2 ambiguous"))
        #expect(images.report.contains { $0.contains("'Not There (2000)'") })
        #expect(images.report.contains { $0.contains("ambiguous folded key 'twin 1990'") && $0.contains("lines 6") })
    }

    @Test func postersJoinOnMovieIDWhenItemIDsAreIDs() throws {
        let dir = try Self.folder(images: ["1.jpg", "2.jpg", "3.jpg", "5.jpg", "6.jpg"], table: Self.table)
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = try ItemImages.resolve(spec: dir.appendingPathComponent("posters.tsv"), items: IDMap(["2", "4", "9"]))
        #expect(images.summary.joinedOn == "movie_id")
        #expect(images.files.map { $0?.lastPathComponent } == ["2.jpg", nil, nil])
        #expect(images.summary.matchedWithoutImage == 1 && images.summary.unmatched == 1 && images.summary.ambiguous == 0)
    }

    @Test func plainFolderJoinsOnFileNames() throws {
        let dir = try Self.folder(images: ["1.jpg", "2.jpg", "2.JPEG", "9.jpg", "notes.txt"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = try ItemImages.resolve(spec: dir.appendingPathComponent("images"), items: IDMap(["1", "2", "3"]))
        #expect(images.files.map { $0?.lastPathComponent } == ["1.jpg", nil, nil])
        #expect(images.summary.withImage == 1 && images.summary.ambiguous == 1 && images.summary.unmatched == 1 && images.summary.unusedImages == 1)
        #expect(images.report.contains { $0.contains("item '2' has 2.JPEG and 2.jpg") })
    }

    @Test func badSpecsAndTablesNameTheFileAndLine() throws {
        let dir = try Self.folder(images: ["1.jpg"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let items = IDMap(["Toy Story (1995)"])
        func check(_ table: String, _ expected: [String]) throws {
            try table.write(to: dir.appendingPathComponent("posters.tsv"), atomically: true, encoding: .utf8)
            let m = Self.message { _ = try ItemImages.resolve(spec: dir, items: items) }
            for e in expected { #expect(m.contains(e), "\(m)") }
        }
        try check("id\ttitle\tfile\n", ["posters.tsv", "line 1", "expected the header"])
        try check("movie_id\ttitle\tfile\n1\tToy Story (1995)\timages/1.jpg\n2\tJumanji (1995)\n", ["posters.tsv", "line 3", "found 2"])
        try check("movie_id\ttitle\tfile\n1\tA (1990)\t\n1\tB (1990)\t\n", ["line 3", "repeats line 2"])
        try check("movie_id\ttitle\tfile\n1\tToy Story (1995)\timages/gone.jpg\n", ["line 2", "gone.jpg", "does not exist"])
        try check("", ["is empty"])
        #expect(Self.message { _ = try ItemImages.resolve(spec: dir.appendingPathComponent("nope"), items: items) }.contains("no such file or folder"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("posters.tsv"))
        #expect(Self.message { _ = try ItemImages.resolve(spec: dir, items: items) }.contains("holds neither posters.tsv nor any <item_id>.jpg"))
    }

    @Test func itemsWithoutImageOrWithAFailedImageAreMissing() throws {
        let dir = try Self.folder(images: ["1.jpg", "bad.jpg", "3.jpg"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = try ItemImages.resolve(spec: dir.appendingPathComponent("images"), items: IDMap(["1", "2", "bad", "3"]))
        let fake = FakeEncoder()
        let m = try VisualFeatures.modality(images: images, cache: nil, encode: fake.encode)
        #expect(fake.calls == [["1.jpg", "bad.jpg", "3.jpg"]])
        #expect(m.name == "visual" && m.numItems == 4 && m.dim == 4)
        #expect(m.present == [true, false, false, true] && m.presentCount == 2)
        #expect(m.vectors.rowArray(1) == [0, 0, 0, 0] && m.vectors.rowArray(2) == [0, 0, 0, 0])
        for i in [0, 3] { #expect(abs(VectorMath.dot(m.vectors.row(i), m.vectors.row(i), 4) - 1) < 1e-5) }
        #expect(m.vectors.rowArray(0) != m.vectors.rowArray(3))
        #expect(m.report.contains { $0.contains("3 images: 0 read from the feature cache, 2 encoded") && $0.contains("1 failed") })
        #expect(m.report.contains { $0.contains("bad.jpg: cannot decode JPEG") })
        // No image at all: nothing to encode, every item missing.
        let none = try VisualFeatures.modality(images: ItemImages.resolve(spec: dir.appendingPathComponent("images"), items: IDMap(["x"])),
                                               cache: nil, encode: fake.encode)
        #expect(none.presentCount == 0 && fake.calls.count == 1)
    }

    @Test func cacheRoundTripEncodesOnlyWhatChanged() throws {
        let dir = try Self.folder(images: ["1.jpg", "2.jpg", "bad.jpg"])
        let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("esans-visual-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: cacheDir) }
        let spec = dir.appendingPathComponent("images")
        let items = IDMap(["1", "2", "bad"])
        let cache = ImageFeatureCache(directory: cacheDir, encoderKey: "fake/v1", collection: spec, dimension: 4)
        #expect(cache.file.path.hasPrefix(cacheDir.path + "/fake_v1/") && cache.file.pathExtension == "safetensors")
        let fake = FakeEncoder()

        let first = try VisualFeatures.modality(images: ItemImages.resolve(spec: spec, items: items), cache: cache, encode: fake.encode)
        #expect(fake.calls == [["1.jpg", "2.jpg", "bad.jpg"]])
        #expect(cache.load().entries.count == 2)   // failures are not cached
        let second = try VisualFeatures.modality(images: ItemImages.resolve(spec: spec, items: items), cache: cache, encode: fake.encode)
        #expect(fake.calls.count == 2 && fake.calls[1] == ["bad.jpg"])
        #expect(second.vectors.rowArray(0) == first.vectors.rowArray(0) && second.vectors.rowArray(1) == first.vectors.rowArray(1))
        #expect(second.report.contains { $0.contains("2 read from the feature cache, 0 encoded") })

        // A changed image is encoded again and its old entry dropped.
        try Data("a longer, different image".utf8).write(to: spec.appendingPathComponent("2.jpg"))
        let third = try VisualFeatures.modality(images: ItemImages.resolve(spec: spec, items: items), cache: cache, encode: fake.encode)
        #expect(fake.calls[2] == ["2.jpg", "bad.jpg"])
        #expect(third.vectors.rowArray(0) == first.vectors.rowArray(0) && third.vectors.rowArray(1) != first.vectors.rowArray(1))
        #expect(cache.load().entries.count == 2)
        // Only the cache file: no temporary files left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.file.deletingLastPathComponent().path) == [cache.file.lastPathComponent])

        // Another encoder does not reuse the entries; a corrupt file is rebuilt, with a note.
        let other = ImageFeatureCache(directory: cacheDir, encoderKey: "fake/v2", collection: spec, dimension: 4)
        #expect(other.file != cache.file && other.load().entries.isEmpty)
        try Data("not safetensors".utf8).write(to: cache.file)
        let (entries, note) = cache.load()
        #expect(entries.isEmpty && (note ?? "").contains("unreadable"))
        let rebuilt = try cache.features(for: [spec.appendingPathComponent("1.jpg")], encode: fake.encode)
        #expect(rebuilt.encoded == 1 && rebuilt.notes.count == 1 && cache.load().entries.count == 1)
    }
}

/// The real encoder on two posters (skipped without the weights, libjpeg or the poster folder).
@Suite(.enabled(if: RealPosters.available, RealPosters.skipMessage))
struct RealPosterTests {
    @Test func twoPostersEncodeOnceThenComeFromTheCache() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esans-posters-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("img"), withIntermediateDirectories: true)
        for id in ["1", "2"] { try FileManager.default.copyItem(at: RealPosters.folder.appendingPathComponent("images/\(id).jpg"), to: dir.appendingPathComponent("img/\(id).jpg")) }
        var options = VisualFeatures.Options()
        options.cacheDirectory = dir.appendingPathComponent("cache")
        let items = IDMap(["1", "2", "3"])
        var calls: [(Int, Int)] = []
        let a = try VisualFeatures.build(items: items, spec: dir.appendingPathComponent("img"), options: options) { calls.append(($0, $1)) }
        #expect(a.dim == 1280 && a.present == [true, true, false])
        #expect(calls.first! == (0, 2) && calls.last! == (2, 2))
        #expect(abs(VectorMath.dot(a.vectors.row(0), a.vectors.row(0), 1280) - 1) < 1e-5)
        #expect(a.cosine(0, 1) < 0.99)   // two different posters
        let b = try VisualFeatures.build(items: items, spec: dir.appendingPathComponent("img"), options: options) { _, _ in Issue.record("encoded again") }
        #expect(b.vectors.rowArray(0) == a.vectors.rowArray(0) && b.vectors.rowArray(1) == a.vectors.rowArray(1))
        #expect(b.report.contains { $0.contains("2 read from the feature cache, 0 encoded") })
    }
}

enum RealPosters {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/ml-1m-posters").standardizedFileURL
    static let available = (try? VisualFeatures.requireAvailable()) != nil
        && FileManager.default.fileExists(atPath: folder.appendingPathComponent("images/1.jpg").path)
    static let skipMessage: Comment = "needs the EfficientNet-Lite0 weights (`esans data fetch efficientnet-lite0`), libjpeg and ../shared/data/ml-1m-posters"
}
