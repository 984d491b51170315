import NumCore

/// Divides one interaction log into train and test per user. Internal to the loaders.
enum SplitEngine {
    /// Returns, for every pair of `log`, whether it goes to test, and report notes.
    /// `requested` says whether the user asked for `split` (`--split`) or it is the format's
    /// default: a requested split by time on a log without timestamps is refused, the default
    /// one becomes a seeded random split with a note that says so.
    static func assignTest(_ log: PairLog, numUsers: Int, split: Split, requested: Bool = true,
                           seed: UInt64) throws -> (isTest: [Bool], notes: [String]) {
        var notes: [String] = []
        var split = split
        switch split {
        case .givenFiles:
            throw DataError(file: log.file, message: "the split 'given' needs separate train and test files (LightGCN train.txt "
                                + "and test.txt, RecBole NAME.train.inter and NAME.test.inter); for a single interaction file "
                                + "choose --split loo, time:RATIO or random:RATIO")
        case .ratioByTime(let r), .randomRatio(let r):
            guard r > 0 && r <= 1 else {
                throw DataError(file: log.file, message: "split ratio \(r) must be in (0, 1] (it is the train share)")
            }
            if case .ratioByTime = split, log.times == nil {
                let random = Split.randomRatio(r)
                let missing = log.missingTimestamp.map { ": \($0)" } ?? ""
                guard !requested else {
                    throw DataError(file: log.file, message: "--split \(split) puts each user's earliest interactions in training, "
                                        + "but the file has no timestamp column\(missing); name the column with --time-column NAME|INDEX, "
                                        + "or split at random with --split \(random) (per user, seeded by --seed)")
                }
                split = random
                notes.append("no timestamp column\(missing); so the default split \(Split.ratioByTime(r)) (by time) became \(random): "
                             + "a random \(Int((r * 100).rounded()))% of each user's interactions in training (seed \(seed)); "
                             + "name a timestamp column with --time-column NAME|INDEX to split by time")
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
