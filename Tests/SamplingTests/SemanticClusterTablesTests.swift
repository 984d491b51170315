import Testing
import NumCore
import Codebooks
@testable import Sampling

/// The flat tables behind ESANS's draws, built from ``SemanticIDs``' grouping of the items.
@Suite struct SemanticClusterTablesTests {
    /// Seeded codes for `n` items over `kp` x `ks` cells, some primary codes left unused.
    static func codes(n: Int, kp: Int, ks: Int, seed: UInt64) -> (primary: [Int32], secondary: [Int32]) {
        var rng = RandomSource(seed: seed)
        // Primary codes drawn from the even ones only, so odd clusters stay empty.
        let p = (0..<n).map { _ in Int32(2 * rng.below((kp + 1) / 2)) }
        let s = (0..<n).map { _ in Int32(rng.below(ks)) }
        return (p, s)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func everyClusterIsOneRunAndEveryCellOneRunInsideIt(seed: UInt64) {
        let (p, s) = Self.codes(n: 300, kp: 9, ks: 4, seed: seed)
        let t = SemanticClusterTables(ids: semanticIDs(p, s), excludeOwnCell: true, centroidDistances: nil, temperature: 1)
        #expect(t.clusters == Int(p.max()!) + 1)
        #expect(Set(t.members.map { $0 }) == Set(0..<Int32(300)))
        for c in 0..<t.clusters {
            let run = (Int(t.start[c])..<Int(t.start[c + 1])).map { Int(t.members[$0]) }
            #expect(run.count == p.filter { Int($0) == c }.count)
            #expect(run.allSatisfy { Int(p[$0]) == c })
            // Inside a cluster: by secondary code, then by item.
            #expect(run == run.sorted { (s[$0], $0) < (s[$1], $1) })
        }
        for i in 0..<300 {
            let first = Int(t.start[Int(p[i])]) + Int(t.cellOffset[i])
            let cell = (first..<first + Int(t.cellSize[i])).map { Int(t.members[$0]) }
            let expected = (0..<300).filter { p[$0] == p[i] && s[$0] == s[i] }
            #expect(cell == expected, "item \(i)")
            #expect(t.hardSetSize(i) == max(1, p.filter { $0 == p[i] }.count - expected.count))
        }
    }

    @Test func withoutOwnCellExclusionNoCellIsSkipped() {
        let (p, s) = Self.codes(n: 120, kp: 5, ks: 3, seed: 7)
        let t = SemanticClusterTables(ids: semanticIDs(p, s), excludeOwnCell: false, centroidDistances: nil, temperature: 1)
        #expect((0..<120).allSatisfy { t.cellSize[$0] == 0 })
        #expect((0..<120).allSatisfy { t.hardSetSize($0) == t.size(of: Int(p[$0])) })
    }

    @Test func hardDrawsCoverTheClusterMinusTheOwnCellAndNothingElse() {
        let (p, s) = Self.codes(n: 200, kp: 7, ks: 3, seed: 11)
        let t = SemanticClusterTables(ids: semanticIDs(p, s), excludeOwnCell: true, centroidDistances: nil, temperature: 1)
        var rng = RandomSource(seed: 5)
        for positive in [0, 17, 101, 199] {
            let hardSet = Set((0..<200).filter { p[$0] == p[positive] && s[$0] != s[positive] }.map { Int32($0) })
            var seen = Set<Int32>()
            for _ in 0..<4000 {
                guard let j = t.drawHard(positive, &rng) else { break }
                #expect(hardSet.contains(j), "positive \(positive) drew \(j)")
                seen.insert(j)
            }
            #expect(seen == hardSet, "positive \(positive): \(seen.count) of \(hardSet.count) hard items drawn")
        }
    }

    @Test func codebookSizesPastTheLargestCodeDoNotChangeTheTables() {
        let (p, s) = Self.codes(n: 150, kp: 6, ks: 3, seed: 3)
        let tight = SemanticClusterTables(ids: semanticIDs(p, s), excludeOwnCell: true, centroidDistances: nil, temperature: 1)
        let wide = SemanticClusterTables(ids: SemanticIDs(primary: p, secondary: s, kp: 40, ks: 9), excludeOwnCell: true,
                                         centroidDistances: nil, temperature: 1)
        #expect(wide.clusters == tight.clusters)
        #expect(Array(wide.members) == Array(tight.members) && Array(wide.start) == Array(tight.start))
        #expect(Array(wide.cellOffset) == Array(tight.cellOffset) && Array(wide.cellSize) == Array(tight.cellSize))
        #expect(Array(wide.easyProbability) == Array(tight.easyProbability) && Array(wide.easyAlias) == Array(tight.easyAlias))
    }

    @Test func easyClustersAreTheOtherNonEmptyOnesUniformlyWithoutDistances() {
        let (p, s) = Self.codes(n: 100, kp: 7, ks: 2, seed: 9)
        let t = SemanticClusterTables(ids: semanticIDs(p, s), excludeOwnCell: true, centroidDistances: nil, temperature: 1)
        let nonEmpty = (0..<t.clusters).filter { t.size(of: $0) > 0 }
        for c in nonEmpty {
            let w = (0..<t.clusters).map { t.easyWeight[c * t.clusters + $0] }
            #expect(t.hasEasy[c])
            for q in 0..<t.clusters {
                let expected = q != c && t.size(of: q) > 0 ? 1 / Double(nonEmpty.count - 1) : 0
                #expect(abs(w[q] - expected) < 1e-12, "cluster \(c) -> \(q): \(w[q])")
            }
        }
    }
}
