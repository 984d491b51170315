import Foundation
import Testing
@testable import TextEncoder

/// The basic tokenizer (lower-casing, accents, punctuation, CJK, control characters).
@Suite struct BasicTokenizerTests {
    let basic = BasicTokenizer()

    @Test func lowercasesAndSplitsOnWhitespace() {
        #expect(basic.tokenize("  Hello\tWORLD\n again\r\n") == ["hello", "world", "again"])
        #expect(basic.tokenize("") == [])
        #expect(basic.tokenize(" \u{00A0}\u{3000} ") == [])  // no-break and ideographic spaces (Zs)
    }

    @Test func stripsAccents() {
        #expect(basic.tokenize("Café crème BRÛLÉE") == ["cafe", "creme", "brulee"])
        // Decomposed input (e + combining acute) gives the same result.
        #expect(basic.tokenize("Cafe\u{0301}") == ["cafe"])
        #expect(basic.tokenize("Ünïcödé naïveté") == ["unicode", "naivete"])
    }

    @Test func keepsAccentsWhenCased() {
        let cased = BasicTokenizer(lowercase: false)
        #expect(cased.tokenize("Café Crème") == ["Café", "Crème"])
    }

    @Test func splitsPunctuation() {
        #expect(basic.tokenize("Hello, world!") == ["hello", ",", "world", "!"])
        #expect(basic.tokenize("Children's") == ["children", "'", "s"])
        #expect(basic.tokenize("$9.99+tax") == ["$", "9", ".", "99", "+", "tax"])  // ASCII symbols count
        #expect(basic.tokenize("a--b") == ["a", "-", "-", "b"])
        #expect(basic.tokenize("«quoted»…") == ["«", "quoted", "»", "…"])  // Unicode P*
    }

    @Test func isolatesCJKIdeographs() {
        #expect(basic.tokenize("我爱北京") == ["我", "爱", "北", "京"])
        #expect(basic.tokenize("ab中cd") == ["ab", "中", "cd"])
        // Hiragana is not in the CJK ideograph blocks: it stays one word (and loses its
        // voicing mark, U+3099 after decomposition, as BERT's accent stripping does).
        #expect(basic.tokenize("ひらがな") == ["ひらかな"])
    }

    @Test func dropsControlCharacters() {
        #expect(basic.tokenize("a\u{0000}b\u{200B}c\u{FFFD}d\u{0007}") == ["abcd"])  // U+200B is Cf
        #expect(basic.tokenize("x\u{2028}y") == ["x", "y"])  // line separator is white space
    }
}
