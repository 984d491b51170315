import Testing
@testable import Datasets

@Suite struct SyntheticDataTests {
    @Test func shapeAndSplit() {
        let d = SyntheticData.make(users: 200, items: 300, clusters: 6, interactionsPerUser: 20, seed: 42)
        #expect(d.users.count == 200 && d.items.count == 300)
        #expect(d.train.numItems == 300 && d.test.numUsers == 200)
        for u in 0..<200 {
            let total = d.train.degree(of: u) + d.test.degree(of: u)
            #expect(d.train.degree(of: u) == 16)
            #expect(total <= 20)
            for item in d.test.items(of: u) { #expect(!d.train.contains(user: u, item: item)) }
        }
        #expect(d.test.count > 600)  // most of the 800 test picks hit items seen in train
    }

    @Test func deterministicInSeed() {
        let a = SyntheticData.make(users: 40, items: 60, clusters: 3, interactionsPerUser: 10, seed: 7)
        let b = SyntheticData.make(users: 40, items: 60, clusters: 3, interactionsPerUser: 10, seed: 7)
        let c = SyntheticData.make(users: 40, items: 60, clusters: 3, interactionsPerUser: 10, seed: 8)
        #expect(a.train == b.train && a.test == b.test)
        #expect(a.train != c.train)
    }

    @Test func usersConcentrateOnFewClustersWithPopularitySkew() {
        let clusters = 8
        let d = SyntheticData.make(users: 300, items: 400, clusters: clusters, interactionsPerUser: 30, seed: 1)
        var topTwoShare = 0.0
        for u in 0..<300 {
            var perCluster = [Int](repeating: 0, count: clusters)
            for item in d.train.items(of: u) { perCluster[SyntheticData.cluster(ofItem: Int(item), clusters: clusters)] += 1 }
            let sorted = perCluster.sorted(by: >)
            topTwoShare += Double(sorted[0] + sorted[1]) / Double(d.train.degree(of: u))
        }
        topTwoShare /= 300
        #expect(topTwoShare > 0.8)  // uniform choice would give 2/8
        // Popularity skew: the most popular items are far above the median.
        let counts = d.train.itemCounts().sorted()
        #expect(counts[counts.count - 1] > 3 * max(counts[counts.count / 2], 1))
    }
}
