import Foundation
import Testing
@testable import Semantic

/// Title keys (articles, accents, punctuation, case, entities, replacement characters) and the
/// three-pass join that never guesses.
struct TitleJoinTests {
    @Test func articlesPunctuationAndCaseShareAKey() {
        for mode in TitleKey.Mode.allCases {
            let keys = ["Matrix, The (1999)", "The Matrix (1999)", "THE MATRIX: (1999)", "  matrix,the(1999) "].map { TitleKey.key($0, mode: mode) }
            #expect(keys == Array(repeating: "matrix 1999", count: 4), "\(mode)")
        }
        // A parenthesised part loses its articles too; a broken parenthesis does not matter.
        #expect(TitleKey.key("Associate, The (L'Associe (1982)", mode: .folded) == TitleKey.key("Associate, The (L'Associe)(1982)", mode: .folded))
        #expect(TitleKey.key("Associate, The (L'Associe (1982)", mode: .folded) == "associate associe 1982")
        #expect(TitleKey.key("Time to Kill, A (1996)", mode: .folded) == TitleKey.key("A Time to Kill (1996)", mode: .folded))
        // Not an article: "an" inside a word, "a" not followed by a space.
        #expect(TitleKey.key("Anaconda (1997)", mode: .folded) == "anaconda 1997")
        #expect(TitleKey.key("Kestrel's Eye (1998)", mode: .folded) == "kestrel s eye 1998")
    }

    @Test func accentsFoldOrBecomeWildcards() {
        #expect(TitleKey.key("Misérables, Les (1998)", mode: .folded) == "miserables 1998")
        #expect(TitleKey.key("Miserables, Les (1995)", mode: .folded) == "miserables 1995")
        #expect(TitleKey.key("Zero Kelvin (Kjærlighetens kjøtere) (1995)", mode: .folded) == "zero kelvin kjaerlighetens kjotere 1995")
        #expect(TitleKey.key("Misérables, Les (1998)", mode: .wildcard) == "mis\u{FFFD}rables 1998")
        #expect(TitleKey.key("Mis\u{FFFD}rables, Les (1998)", mode: .wildcard) == "mis\u{FFFD}rables 1998")
        // The replacement character is kept (it matches nothing) when accents are folded.
        #expect(TitleKey.key("Mis\u{FFFD}rables, Les (1998)", mode: .folded) == "mis\u{FFFD}rables 1998")
        // Precomposed and decomposed accents are one character either way.
        #expect(TitleKey.key("Nô (1998)", mode: .wildcard) == TitleKey.key("No\u{0302} (1998)", mode: .wildcard))
        #expect(TitleKey.key("Alien³ (1992)", mode: .wildcard) == TitleKey.key("Alien\u{FFFD} (1992)", mode: .wildcard))
    }

    @Test func htmlEntitiesDecode() {
        #expect(TitleKey.decodingEntities("Et Dieu&#8230;Créa la Femme") == "Et Dieu\u{2026}Créa la Femme")
        #expect(TitleKey.decodingEntities("Tom &amp; Jerry &#x41;&#66;") == "Tom & Jerry AB")
        #expect(TitleKey.decodingEntities("AT&T &unknown; &#xZZ; &") == "AT&T &unknown; &#xZZ; &")
        #expect(TitleKey.key("Tom &amp; Jerry (1992)", mode: .folded) == TitleKey.key("Tom & Jerry (1992)", mode: .folded))
    }

    @Test func joinsInThreePassesAndRefusesAmbiguity() {
        let left = ["Toy Story (1995)", "Matrix, The (1999)", "Misérables, Les (1998)", "Nô (1998)", "Unknown (2001)",
                    "Twin (1990)", "Twin! (1990)", "The Ghost (1990)", "Cafe (1990)", "Café (1990)"]
        let right = ["Toy Story (1995)", "The Matrix (1999)", "Mis\u{FFFD}rables, Les (1998)", "N\u{FFFD} (1998)", "TWIN (1990)",
                     "Ghost (1990)", "Ghost, The (1990)", "Cafe (1990)", "Caf\u{FFFD} (1990)", "Unused (1970)"]
        let j = TitleJoin(left: left, right: right)
        #expect(j.match == [0, 1, 2, 3, nil, nil, nil, nil, 7, 8])
        #expect(j.pass == [.exact, .folded, .wildcard, .wildcard, nil, nil, nil, nil, .exact, .wildcard])
        #expect(j.count(.exact) == 2 && j.count(.folded) == 1 && j.count(.wildcard) == 3 && j.matchedCount == 6)
        // Two items share "twin 1990"; two rows share "ghost 1990": no image for any of them.
        #expect(j.ambiguousLeft == [5, 6, 7])
        #expect(j.ambiguities.map(\.key) == ["ghost 1990", "twin 1990"])
        #expect(j.ambiguities.map(\.right) == [[5, 6], [4]])
        #expect(j.ambiguities.allSatisfy { $0.pass == .folded })
    }

    @Test func emptyKeysNeverMatch() {
        // "(The)" keeps its only word (an article alone is a title); "!!" and "?!" have no key.
        let j = TitleJoin(left: ["(The)", "!!"], right: ["(the)", "?!"])
        #expect(j.match == [0, nil] && j.pass == [.folded, nil])
        #expect(TitleKey.key("!!", mode: .folded).isEmpty && TitleKey.key("?!", mode: .wildcard).isEmpty)
        #expect(j.ambiguities.isEmpty)
    }
}
