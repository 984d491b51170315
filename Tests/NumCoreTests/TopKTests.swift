import Testing
@testable import NumCore

/// Sort-based reference: all unmasked, non-NaN entries, best first, ties by lower index.
func referenceTopK(_ scores: [Float], k: Int, excluding: [Int32]) -> [(index: Int32, score: Float)] {
    let masked = Set(excluding)
    let all = scores.indices.filter { !masked.contains(Int32($0)) && !scores[$0].isNaN }
        .map { (index: Int32($0), score: scores[$0]) }
        .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
    return Array(all.prefix(k))
}

@Suite struct TopKTests {
    @Test func matchesSortReferenceOnRandomRowsWithTiesAndMasks() {
        var rng = RandomSource(seed: 11)
        for trial in 0..<300 {
            let n = rng.below(90) + 1
            let k = [1, 2, 5, 8, 17, 50, 200][rng.below(7)]
            // Few distinct values make many ties.
            let levels = trial % 3 == 0 ? 4 : 1000
            var scores = (0..<n).map { _ in Float(rng.below(levels)) - Float(levels / 2) }
            if trial % 7 == 0 { for i in 0..<n where rng.below(5) == 0 { scores[i] = .nan } }
            if trial % 11 == 0 { for i in 0..<n where rng.below(3) == 0 { scores[i] = [0, -0.0][rng.below(2)] } }
            var mask = [Int32]()
            for i in 0..<n where rng.below(4) == 0 { mask.append(Int32(i)) }
            if trial % 5 == 0 && !mask.isEmpty { mask.insert(mask[0], at: 0); mask.append(Int32(n + 3)) }
            let got = TopKSelector(k: k).select(scores, excluding: mask)
            let want = referenceTopK(scores, k: k, excluding: mask)
            #expect(got.map(\.index) == want.map(\.index), "n \(n) k \(k)")
            #expect(got.map(\.score) == want.map(\.score))
            let masked = Set(mask)
            #expect(!got.contains { masked.contains($0.index) })
        }
    }

    @Test func kAtLeastNReturnsEverythingUnmaskedSorted() {
        let scores: [Float] = [0.5, 3, -1, 3, 2]
        let got = TopKSelector(k: 10).select(scores, excluding: [1])
        #expect(got.map(\.index) == [3, 4, 0, 2])
        #expect(got.map(\.score) == [3, 2, 0.5, -1])
        #expect(TopKSelector(k: 3).select([], excluding: []).isEmpty)
        #expect(TopKSelector(k: 0).select(scores).isEmpty)
        #expect(TopKSelector(k: 4).select([1, 2], excluding: [0, 1]).isEmpty)
    }

    @Test func skipsNaNAndKeepsInfinities() {
        let scores: [Float] = [.nan, 1, .infinity, -.infinity, .nan, 2]
        let got = TopKSelector(k: 3).select(scores)
        #expect(got.map(\.index) == [2, 5, 1])
    }

    @Test func longRowWithPointerAPI() {
        // Exercises the eight-wide scan with a full heap and masks inside and across blocks.
        var rng = RandomSource(seed: 3)
        let n = 2_003
        let scores = (0..<n).map { _ in Float(rng.below(500)) }
        let mask = (0..<n).filter { $0 % 7 == 3 || ($0 >= 800 && $0 < 830) }.map(Int32.init)
        let k = 37
        var idx = [Int32](repeating: -1, count: k)
        var out = [Float](repeating: 0, count: k)
        let written = scores.withUnsafeBufferPointer { s in
            mask.withUnsafeBufferPointer { m in
                TopKSelector(k: k).select(s.baseAddress!, count: n, excluding: m, indices: &idx, scores: &out)
            }
        }
        let want = referenceTopK(scores, k: k, excluding: mask)
        #expect(written == k)
        #expect(idx == want.map(\.index))
        #expect(out == want.map(\.score))
    }

    @Test func accumulatorFedInChunksEqualsWholeRow() {
        var rng = RandomSource(seed: 21)
        for _ in 0..<100 {
            let n = rng.below(300) + 1
            let k = rng.below(40) + 1
            let scores = (0..<n).map { _ in Float(rng.below(60)) }
            let mask = (0..<n).filter { _ in rng.below(3) == 0 }.map(Int32.init)
            var idx = [Int32](repeating: 0, count: k)
            var out = [Float](repeating: 0, count: k)
            let written = scores.withUnsafeBufferPointer { s in
                mask.withUnsafeBufferPointer { m in
                    idx.withUnsafeMutableBufferPointer { ip in
                        out.withUnsafeMutableBufferPointer { op in
                            let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: TopKAccumulator.bufferCapacity(k: k))
                            defer { keys.deallocate() }
                            var acc = TopKAccumulator(k: k, buffer: keys)
                            var start = 0
                            while start < n {
                                let len = min(n - start, rng.below(50) + 1)
                                acc.offer(s.baseAddress! + start, firstIndex: start, count: len, excluding: m)
                                start += len
                            }
                            return acc.finish(indices: ip.baseAddress!, scores: op.baseAddress!)
                        }
                    }
                }
            }
            let want = referenceTopK(scores, k: k, excluding: mask)
            #expect(Array(idx.prefix(written)) == want.map(\.index))
            #expect(Array(out.prefix(written)) == want.map(\.score))
        }
    }
}
