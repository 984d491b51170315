import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

/// ESANS's real draws on their own: slot layout, run independence, MSAC cells and logQ.
@Suite struct MSACDrawsTests {
    // 60 items: primary = i / 15 (4 clusters), secondary = i % 3.
    let primary = (0..<60).map { Int32($0 / 15) }
    let secondary = (0..<60).map { Int32($0 % 3) }
    let ctx = SamplingContext(train: Interactions(numUsers: 3, numItems: 60, lists: [[1, 2], [20, 21, 22], []]))
    let users: [Int32] = [0, 1, 2, 0, 1, 2, 0, 1], positives: [Int32] = [3, 17, 40, 59, 16, 31, 0, 44]

    func draws(hard: Int = 2, easy: Int = 3, hardCandidates: Int = 1, easyCandidates: Int = 1) -> MSACDraws {
        var c = ESANSConfig.paperDraws
        c.hard = hard; c.easy = easy; c.hardCandidates = hardCandidates; c.easyCandidates = easyCandidates
        return MSACDraws(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c)
    }

    @Test func slotsLieEndToEndHardOnesFirst() {
        let d = draws(hard: 2, easy: 3, hardCandidates: 4, easyCandidates: 2)
        #expect(d.slots == 5 && d.candidatesPerRow == 2 * 4 + 3 * 2)
        #expect((0..<5).map { d.slot($0).first } == [0, 4, 8, 10, 12])
        #expect((0..<5).map { d.slot($0).count } == [4, 4, 2, 2, 2])
    }

    @Test func aBatchSplitIntoRunsDrawsWhatItDrawsWhole() {
        let d = draws(hardCandidates: 2)
        let root = RandomSource(seed: 7)
        let whole = d.candidates(users: users, positives: positives, rows: 0..<8, root: root)
        let parts = [0..<3, 3..<4, 4..<8].map { d.candidates(users: users, positives: positives, rows: $0, root: root) }
        #expect(whole.items == parts.flatMap(\.items) && whole.clusters == parts.flatMap(\.clusters))
        #expect(whole.items.count == 8 * d.candidatesPerRow && whole.streams.count == 8)
        // Each row's stream continues where its draws left it.
        var after = parts.flatMap(\.streams)
        var expected = whole.streams
        #expect((0..<8).allSatisfy { after[$0].next() == expected[$0].next() })
        // Another root draws other candidates.
        #expect(d.candidates(users: users, positives: positives, rows: 0..<8, root: RandomSource(seed: 8)).items != whole.items)
    }

    @Test func candidatesAvoidTheOwnCellAndTheUsersItemsAndCarryTheirClusters() {
        let d = draws(hardCandidates: 3, easyCandidates: 2)
        let out = d.candidates(users: users, positives: positives, rows: 0..<8, root: RandomSource(seed: 3))
        #expect(out.filtered)
        for b in 0..<8 {
            let pos = Int(positives[b])
            for m in 0..<d.slots {
                let (first, count) = d.slot(m)
                for j in first..<(first + count) {
                    let it = Int(out.items[b * d.candidatesPerRow + j])
                    #expect(out.clusters[b * d.candidatesPerRow + j] == primary[it])
                    #expect(!(primary[it] == primary[pos] && secondary[it] == secondary[pos]), "own cell")
                    #expect(!ctx.train.contains(user: Int(users[b]), item: Int32(it)), "a training item of the user")
                    #expect((primary[it] == primary[pos]) == (m < 2), "slot \(m) of row \(b)")
                }
            }
        }
    }

    @Test func logQIsTheMixOfTheHardAndEasyProposals() {
        let d = draws()
        var logQ: [Float] = []
        // Positive 3 (cluster 0, cell of secondary 0: 5 items): a hard negative, then one of cluster 2.
        d.logProposal(positive: 3, items: [6, 31], clusters: [0, 2], scored: false, into: &logQ)
        #expect(logQ.count == 2)
        // q_hard = m_c / M / |cluster minus cell| = 2/5/10; q_easy = m_o / M * (1/3) / 15.
        #expect(abs(logQ[0] - Float(log(60 * 2.0 / 5 / 10))) < 1e-5)
        #expect(abs(logQ[1] - Float(log(60 * 3.0 / 5 / 3 / 15))) < 1e-5)
    }
}
