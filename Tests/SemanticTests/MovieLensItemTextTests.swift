import Testing
@testable import Semantic

/// The text MiniLM sees for a MovieLens film.
@Suite struct MovieLensItemTextTests {
    @Test func movieLensTextForm() {
        #expect(MovieLensItemText.text(title: "Toy Story", year: "1995", genres: ["Animation", "Children's", "Comedy"])
            == "Toy Story (1995). Genres: Animation, Children's, Comedy")
        #expect(MovieLensItemText.text(title: "unknown", year: "", genres: ["unknown"]) == "unknown. Genres: unknown")
        #expect(MovieLensItemText.text(title: "X", year: "2000", genres: []) == "X (2000)")
    }
}
