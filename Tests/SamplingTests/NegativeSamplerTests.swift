import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

@Suite struct VirtualRecipesTests {
    @Test func recipesRecordTerms() {
        var r = VirtualRecipes(perRow: 2)
        #expect(r.detachPositive && r.count == 0 && r.termStart == [0])
        r.add([(source: 0, weight: 0.5), (source: -1, weight: 0.5)])
        r.add([(source: 1, weight: 1)])
        #expect(r.count == 2)
        #expect(r.termStart == [0, 2, 3])
        #expect(r.termSource == [0, -1, 1])
        #expect(r.termWeight == [0.5, 0.5, 1])
    }
}

@Test func virtualRecipesAppendKeepsTermOffsets() {
    var a = VirtualRecipes(perRow: 1)
    a.add([(source: 0, weight: 1)])
    var b = VirtualRecipes(perRow: 1)
    b.add([(source: 1, weight: 0.5), (source: -1, weight: 0.5)])
    a.append(b)
    #expect(a.count == 2 && a.termStart == [0, 1, 3] && a.termSource == [0, 1, -1] && a.termWeight == [1, 0.5, 0.5])
}
