import Testing
@testable import NumCore

@Test func randomSourceIsDeterministic() {
    var a = RandomSource(seed: 42), b = RandomSource(seed: 42)
    for _ in 0..<100 { #expect(a.next() == b.next()) }
    var c = RandomSource(seed: 43)
    #expect(RandomSource(seed: 42).derived(1).seed != c.derived(1).seed)
    _ = c.next()
}
