import Datasets
import Testing
@testable import Semantic

/// Inputs the fuzzer (`scripts/fuzz.sh atomic`) found that crashed the readers of `.item`
/// tables, kept as regression tests: each must now read, or fail with an error naming the file.
struct ItemFileFuzzTests {
    /// A `float` attribute of 1e30 made `attributeTokens` trap converting it to `Int`
    /// (the fuzzer's minimised input, the item id empty).
    @Test func hugeFloatAttributeBecomesAToken() throws {
        let table = try AtomicTable.parse(bytes: Array("item_id:token\ti:float\tc:float\n\t1e30\t".utf8), file: "a.item")
        let (tokens, _) = try StructuredFeatures.attributeTokens(table: table, fields: [.init("i"), .init("c")], items: IDMap([""]))
        #expect(tokens == [["i=1e+30"]])
    }

    /// The same conversion in the MovieLens item texts: a `float` item id or year far
    /// beyond `Int` became a trap.
    @Test func hugeFloatIDAndYearInItemTexts() throws {
        let table = try AtomicTable.parse(text: "item_id:float\tmovie_title:token\trelease_year:float\n1e300\tHeat\t-1e19\n7\tUp\t1995.7\n", file: "m.item")
        let (ids, texts) = try MovieLensItemText.texts(of: table)
        #expect(ids == ["1e+300", "7"])
        #expect(texts == ["Heat (-1e+19)", "Up (1995)"])
    }

    /// Integral values in range keep their integer form.
    @Test func numberText() {
        #expect(NumberText.of(1995) == "1995")
        #expect(NumberText.of(-3) == "-3")
        #expect(NumberText.of(2.5) == "2.5")
        #expect(NumberText.of(9.3e18) == "9.3e+18")
    }
}
