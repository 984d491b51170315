import NumCore

/// Divides one interaction log into train and test per user. Internal to the loaders.
enum SplitEngine {
    /// Returns, for every pair of `log`, whether it goes to test, and report notes.
    static func assignTest(_ log: PairLog, numUsers: Int, split: Split, seed: UInt64) throws -> (isTest: [Bool], notes: [String]) {
        var notes: [String] = []
        var split = split
        switch split {
        case .givenFiles:
            throw DataError(file: log.file, message: "the givenFiles split needs separate train and test files; "
                                + "choose leaveOneOutByTime, ratioByTime or randomRatio for a single interaction file")
        case .ratioByTime(let r), .randomRatio(let r):
            guard r > 0 && r <= 1 else {
                throw DataError(file: log.file, message: "split ratio \(r) must be in (0, 1] (it is the train share)")
            }
            if case .ratioByTime = split, log.times == nil {
                split = .randomRatio(r)
                notes.append("no timestamp column: split ratioByTime(\(r)) fell back to randomRatio(\(r)) with seed \(seed)")
            }
        case .leaveOneOutByTime:
            if log.times == nil {
                notes.append("no timestamp column: leave-one-out took each user's last interaction in file order")
            }
        }

        let (offsets, order) = log.groupedByUser(numUsers: numUsers)
        var isTest = [Bool](repeating: false, count: log.count)
        var rng = RandomSource(seed: seed).derived("split")
        var scratch = [Int]()
        for u in 0..<numUsers {
            let n = offsets[u + 1] - offsets[u]
            guard n > 0 else { continue }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: order[offsets[u]..<offsets[u + 1]])  // file order
            switch split {
            case .givenFiles:
                break
            case .leaveOneOutByTime:
                guard n >= 2 else { continue }
                var last = scratch[0]
                if let times = log.times {
                    for k in scratch where times[k] >= times[last] { last = k }
                } else {
                    last = scratch[n - 1]
                }
                isTest[last] = true
            case .ratioByTime(let r):
                let times = log.times!
                scratch.sort { times[$0] < times[$1] || (times[$0] == times[$1] && $0 < $1) }
                let testCount = Split.testCount(total: n, trainRatio: r)
                for k in scratch[(n - testCount)...] { isTest[k] = true }
            case .randomRatio(let r):
                let testCount = Split.testCount(total: n, trainRatio: r)
                rng.shuffle(&scratch)
                for k in scratch[(n - testCount)...] { isTest[k] = true }
            }
        }
        let testTotal = isTest.reduce(0) { $0 + ($1 ? 1 : 0) }
        notes.append("split \(split): \(DatasetInfo.grouped(log.count - testTotal)) train / \(DatasetInfo.grouped(testTotal)) test interactions")
        return (isTest, notes)
    }
}
