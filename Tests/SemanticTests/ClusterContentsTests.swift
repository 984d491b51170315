import Foundation
import Testing
import NumCore
import Datasets
import TestSupport
@testable import Semantic

/// The cluster report's contents table on catalogues whose clusters are known.
struct ClusterContentsTests {
    /// Three clusters: 0 = four space films, 1 = three romances, 2 = two westerns; item 9 is
    /// alone in cluster 3. Popularity: the item index times ten, except where set.
    static let titles: [String?] = [
        "Star Wars", "Star Trek: First Contact", "Alien", "Star Trek II",       // 0..3, cluster 0
        "Love Actually", "Love & <Basketball>", "Sense and Sensibility",        // 4..6, cluster 1
        "Unforgiven", "Tombstone",                                              // 7, 8, cluster 2
        nil,                                                                    // 9, cluster 3
    ]
    static let categories: [[String]] = [
        ["Sci-Fi", "Action"], ["Sci-Fi"], ["Sci-Fi", "Horror"], ["Sci-Fi", "Action"],
        ["Romance", "Comedy"], ["Romance", "Drama"], ["Romance", "Drama"],
        ["Western"], ["Western", "Action"],
        [],
    ]
    static let primary: [Int32] = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
    static let ids = (0..<10).map { "m\($0)" }
    static let popularity = [50, 5, 40, 30, 1, 90, 2, 7, 8, 100]

    @Test func clustersShowTheirCategoriesWordsAndPopularItems() {
        let c = ClusterContents(primary: Self.primary, kp: 5, itemIDs: Self.ids, popularity: Self.popularity,
                                descriptions: ItemDescriptions(titles: Self.titles, categories: Self.categories))
        #expect(c.clusters.map(\.code) == [0, 1, 2, 3] && c.clusters.map(\.size) == [4, 3, 2, 1])
        #expect(c.omitted == 0 && c.hasTitles && c.hasCategories)
        let space = c.clusters[0]
        #expect(space.categories == [.init(name: "Sci-Fi", items: 4), .init(name: "Action", items: 2), .init(name: "Horror", items: 1)])
        // "star" in three titles, "trek" in two; words of one title only are left out.
        #expect(space.titleWords == [.init(name: "star", items: 3), .init(name: "trek", items: 2)])
        #expect(space.examples == ["Star Wars", "Alien", "Star Trek II", "Star Trek: First Contact"])
        let romance = c.clusters[1]
        #expect(romance.categories.first == .init(name: "Romance", items: 3))
        #expect(romance.titleWords == [.init(name: "love", items: 2)])
        #expect(romance.examples.first == "Love & <Basketball>")
        // An item without a title is shown by id.
        #expect(c.clusters[3].examples == ["m9"] && c.clusters[3].categories.isEmpty)

        let table = c.markdownTable()
        #expect(table.contains("| cluster | items | top categories | title words (items) | most popular items |"))
        #expect(table.contains("| 0 | 4 | Sci-Fi 100%, Action 50%, Horror 25% | star (3), trek (2) | Star Wars; Alien; Star Trek II; Star Trek: First Contact |"), "\(table)")
        // Escaped: no raw HTML in the report.
        #expect(table.contains("Love &amp; &lt;Basketball&gt;") && !table.contains("<Basketball>"))
        #expect(table.contains("| 3 | 1 | – | – | m9 |"), "\(table)")
    }

    @Test func aLimitListsTheLargestAndCountsTheRest() {
        let c = ClusterContents(primary: Self.primary, kp: 5, itemIDs: Self.ids, popularity: Self.popularity,
                                descriptions: ItemDescriptions(titles: Self.titles, categories: Self.categories), limit: 2, examples: 2)
        #expect(c.clusters.map(\.code) == [0, 1] && c.omitted == 2)
        #expect(c.clusters[0].examples == ["Star Wars", "Alien"])
        #expect(c.markdownTable().contains("2 smaller clusters not listed."))
    }

    /// A film listed twice under two ids is shown once among the examples.
    @Test func aTitleListedTwiceIsShownOnce() {
        let c = ClusterContents(primary: [0, 0, 0, 0], kp: 1, itemIDs: ["a", "b", "c", "d"], popularity: [9, 8, 7, 6],
                                descriptions: ItemDescriptions(titles: ["Chasing Amy", "Chasing Amy", "Clerks", nil], categories: nil),
                                examples: 3)
        #expect(c.clusters[0].examples == ["Chasing Amy", "Clerks", "d"])
    }

    /// Ties in size go to the lower code; ties in popularity to the earlier item.
    @Test func tiesAreBrokenByCodeAndItemOrder() {
        let c = ClusterContents(primary: [2, 2, 1, 1, 0], kp: 3, itemIDs: ["a", "b", "c", "d", "e"], popularity: [3, 3, 0, 0],
                                descriptions: .none)
        #expect(c.clusters.map(\.code) == [1, 2, 0])
        #expect(c.clusters.map(\.examples) == [["c", "d"], ["a", "b"], ["e"]])
    }

    /// A catalogue known by ids only (Gowalla): sizes and popular ids, no word or category column.
    @Test func idOnlyCataloguesGetSizesAndIDs() {
        let c = ClusterContents(primary: Self.primary, kp: 4, itemIDs: Self.ids, popularity: Self.popularity, descriptions: .none)
        #expect(!c.hasTitles && !c.hasCategories)
        #expect(c.clusters[0].titleWords.isEmpty && c.clusters[0].examples == ["m0", "m2", "m3", "m1"])
        let table = c.markdownTable()
        #expect(table.hasPrefix("| cluster | items | most popular items (ids) |\n|---|---|---|\n| 0 | 4 | m0; m2; m3; m1 |"), "\(table)")
    }

    @Test func titleWordsDropStopWordsNumbersAndRepeats() {
        #expect(TitleWords.words("Star Trek II: The Wrath of Khan") == ["star", "trek", "ii", "wrath", "khan"])
        #expect(TitleWords.words("Schindler's List (1993)") == ["schindler's", "list"])
        #expect(TitleWords.words("Cité des enfants perdus, La") == ["cité", "enfants", "perdus"])
        #expect(TitleWords.words("Die Hard 2") == ["die", "hard"])
        #expect(TitleWords.words("Love, love, LOVE 3D") == ["love"])
        #expect(TitleWords.words("'Til There Was You") == ["til"])
    }

    /// Titles and categories read from a `.item` file, by item id; items the file lacks get none.
    @Test func descriptionsComeFromTheItemFile() throws {
        let tmp = TempDir()
        let file = tmp.file("x.item")
        try "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n1\tToy Story\t1995\tAnimation Comedy\n2\tHeat\t1995\tAction Crime Thriller\n3\t\t\t\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let d = try ItemDescriptions(itemFile: file, items: IDMap(["2", "1", "3", "4"]))
        #expect(d.titles == ["Heat", "Toy Story", nil, nil])
        #expect(d.categories == [["Action", "Crime", "Thriller"], ["Animation", "Comedy"], [], []])
        // A genre token field (ML-1M) is split on spaces; an id-only file describes nothing.
        let ml1m = tmp.file("y.item")
        try "item_id:token\tmovie_title:token\tgenre:token\n7\tHeat\tAction Crime\n".write(to: ml1m, atomically: true, encoding: .utf8)
        #expect(try ItemDescriptions(itemFile: ml1m, items: IDMap(["7"])) == ItemDescriptions(titles: ["Heat"], categories: [["Action", "Crime"]]))
        let bare = tmp.file("z.item")
        try "item_id:token\tprice:float\n7\t3.5\n".write(to: bare, atomically: true, encoding: .utf8)
        #expect(try ItemDescriptions(itemFile: bare, items: IDMap(["7"])) == .none)
        #expect(try ItemDescriptions(itemFile: nil, items: IDMap(["7"])) == .none)
    }

    /// An MSAC fit's contents describe its own clusters: every coded item in one listed
    /// cluster, sizes as the report counts them, examples the most trained items.
    @Test func aFitDescribesItsClusters() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url, titles: true)
        let (ds, itemFile) = try CatalogueTests.load(fixture)
        var c = MSACPipeline.Config()
        c.modalities = ["structured", "behaviour"]
        c.structuredFields = ["class"]
        c.dim = 8; c.kp = 4; c.ks = 2; c.alignEpochs = 5; c.seed = 3
        let r = try MSACPipeline(config: c).run(dataset: ds, itemFile: itemFile, kgFile: nil, linkFile: nil)
        let contents = r.contents
        #expect(contents.hasTitles && contents.hasCategories && contents.omitted == 0)
        #expect(contents.clusters.map(\.size).sorted() == r.report.primarySizes.filter { $0 > 0 }.sorted())
        #expect(contents.clusters.reduce(0) { $0 + $1.size } == r.items.count)
        let counts = ds.train.itemCounts()
        for cluster in contents.clusters {
            let members = r.items.externalIDs.indices.filter { r.fit.ids.primary[$0] == Int32(cluster.code) }
            let most = members.map { $0 < counts.count ? counts[$0] : 0 }.max()!
            let first = try #require(members.first { "Film \(r.items.externalIDs[$0])" == cluster.examples.first })
            #expect((first < counts.count ? counts[first] : 0) == most)
            // Every item's title is "Film <id>": "film" is the one word they all share.
            #expect(cluster.size < 2 || cluster.titleWords.first == .init(name: "film", items: cluster.size))
            #expect(cluster.categories.allSatisfy { $0.name.hasPrefix("G") || $0.name.hasPrefix("Era") })
        }
    }
}
