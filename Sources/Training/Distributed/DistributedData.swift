import Foundation
import NumCore
import Datasets
import Runs
import Collectives

/// The data one rank of a distributed run works on, and the whole data's totals.
///
/// A sharded directory read as written, whose shard count the ranks divide, is loaded by
/// user shard (``Datasets/DatasetLoader/loadUserPart(path:options:parts:part:)``): each rank
/// maps only its users' shards, and its users are the ones whose rows it holds. Anything else
/// is read whole on every rank. The totals (item popularity, interaction counts) and the
/// fingerprint are the whole data's either way, so the numbers do not depend on which.
struct DistributedData {
    /// This rank's data (part or whole).
    let dataset: Dataset
    /// ``Datasets/Dataset/fingerprint`` of the whole data.
    let fingerprint: String
    /// Training interactions per item, over the whole data.
    let itemCounts: [Int]
    /// Training and test interactions of the whole data.
    let trainCount: Int, testCount: Int
    /// Why the data was read whole, when it was (for a note), else nil.
    let wholeReason: String?

    /// Whether this rank holds only its users' interactions.
    var isPart: Bool { dataset.loadedShards != nil }

    static func load(_ config: RunConfig, comm: any Communicator) throws -> DistributedData {
        let data = config.data
        let options = try data.loadOptions(seed: config.training.seed)
        let problem = data.path == RunConfig.syntheticPath ? "generated data"
            : config.training.validationFraction > 0 ? "a validation split"
            : DatasetLoader.userPartProblem(path: data.path, options: options, parts: comm.size)
        guard problem == nil else {
            let ds = try config.loadDataset()
            return DistributedData(dataset: ds, fingerprint: ds.fingerprint, itemCounts: ds.train.itemCounts(),
                                   trainCount: ds.train.count, testCount: ds.test.count, wholeReason: problem)
        }
        let ds = try DatasetLoader.loadUserPart(path: data.path, options: options, parts: comm.size, part: comm.rank)
        // Rank 0 streams over every shard for the fingerprint, the others take its bytes.
        let mine = comm.isRoot ? Array(try ShardedDirectory(path: data.path).fingerprint().utf8) : []
        let fingerprint = String(decoding: comm.broadcast(mine, root: 0), as: UTF8.self)
        let totals = comm.allReduceSum([ds.train.count, ds.test.count])
        return DistributedData(dataset: ds, fingerprint: fingerprint, itemCounts: comm.allReduceSum(ds.train.itemCounts()),
                               trainCount: totals[0], testCount: totals[1], wholeReason: nil)
    }

    /// The users to evaluate: all (nil), or `evalUsers` of them drawn from the run seed,
    /// ascending (the same on every rank count).
    static func evaluationUsers(_ config: TrainConfig, numUsers: Int) -> [Int]? {
        guard let n = config.evalUsers, n < numUsers else { return nil }
        var all = Array(0..<numUsers)
        var rng = RandomSource(seed: config.seed).derived("eval-users")
        rng.shuffle(&all)
        return Array(all.prefix(n)).sorted()
    }

    /// `lists`' rows of `users` (all users when nil) on every rank: each rank contributes the
    /// rows it holds (a part's other users are empty), so every rank can rank any user.
    /// The whole data needs no gathering and is returned as it is.
    func everyRank(_ lists: Interactions, users: [Int]?, comm: any Communicator) -> Interactions {
        guard isPart else { return lists }
        var flat: [Int32] = []
        for u in users ?? Array(0..<lists.numUsers) where lists.degree(of: u) > 0 {
            flat.append(Int32(u))
            flat.append(Int32(lists.degree(of: u)))
            flat.append(contentsOf: lists.items(of: u))
        }
        let all = comm.allGatherConcatenated(flat)
        var rows = [[Int32]](repeating: [], count: lists.numUsers)
        var k = 0
        while k < all.count {
            let u = Int(all[k]), n = Int(all[k + 1])
            rows[u] = Array(all[(k + 2)..<(k + 2 + n)])
            k += 2 + n
        }
        return Interactions(numUsers: lists.numUsers, numItems: lists.numItems, lists: rows)
    }
}
