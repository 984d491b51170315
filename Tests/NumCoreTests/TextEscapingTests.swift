import Foundation
import Testing
import NumCore

@Suite struct TextEscapingTests {
    @Test func jsonStringsRoundTripThroughJSONSerialization() throws {
        let texts = ["plain", "quote \" and backslash \\", "lines\nand\ttabs\r", "bell \u{07} nul \u{00} unit \u{1f}", "é ü 漢字 🎬", ""]
        for t in texts {
            let literal = TextEscaping.jsonString(t)
            let decoded = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
            #expect(decoded == [t], "\(literal)")
        }
        #expect(TextEscaping.jsonString("a\u{01}b") == "\"a\\u0001b\"")
        var s = "x:"
        TextEscaping.appendJSONString("\"", to: &s)
        #expect(s == "x:\"\\\"\"")
    }

    @Test func xmlEscapesTheFiveSpecialCharacters() {
        #expect(TextEscaping.xml("a < b && c > \"d\" 'e'") == "a &lt; b &amp;&amp; c &gt; &quot;d&quot; &apos;e&apos;")
        #expect(TextEscaping.xml("Adap-τ") == "Adap-τ")
    }

    /// A Markdown cell shows its text literally: no HTML, no formatting, no column break.
    @Test func markdownCellsShowTextLiterally() {
        #expect(TextEscaping.markdownCell("Love & <Basketball>") == "Love &amp; &lt;Basketball&gt;")
        #expect(TextEscaping.markdownCell("a|b *c* _d_ `e` [f](g) #1 \\") == "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\[f\\](g) \\#1 \\\\")
        #expect(TextEscaping.markdownCell("two\nlines\r\nhere") == "two lines here")
        #expect(TextEscaping.markdownCell("Amélie, Cité des enfants perdus") == "Amélie, Cité des enfants perdus")
    }
}
