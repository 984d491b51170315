import Foundation
import NumCore
import Datasets
import Runs
import Evaluation
import Collectives

/// How a distributed run evaluates its model: every user, split over the ranks (the blocks of
/// ``Evaluation/FullCorpusEvaluator`` with the run's communicator), or a sample of users
/// (`--eval-users`) ranked on rank 0 alone, which then hands every rank the metrics. A sample
/// is small enough for one process, and the other ranks then never hold the gathered tables:
/// at 10^7 items that is 1.3 GB per rank at dimension 32. Both give the same numbers on any
/// rank count (a block holds the same users whoever ranks it).
struct DistributedEvaluation {
    let trainer: DistributedTrainer
    let comm: any Communicator
    let evaluator: FullCorpusEvaluator
    /// The sampled users (ascending), or nil for every user.
    let users: [Int]?
    /// The lists of the users evaluated, on every rank (see ``DistributedData/everyRank(_:users:comm:)``).
    let known: Interactions, test: Interactions

    init(trainer: DistributedTrainer, data: DistributedData, config: TrainConfig, comm: any Communicator) {
        self.trainer = trainer
        self.comm = comm
        users = DistributedData.evaluationUsers(config, numUsers: data.dataset.numUsers)
        evaluator = FullCorpusEvaluator(cutoffs: config.cutoffs, communicator: users == nil ? comm : SingleProcessCommunicator())
        known = data.everyRank(data.dataset.knownInteractions, users: users, comm: comm)
        test = data.everyRank(data.dataset.test, users: users, comm: comm)
    }

    /// The current model's metrics, the same on every rank; the metrics object and the
    /// vectors ranked with on the ranks that ranked (all, or rank 0 with a sample), nil on
    /// the others. `perUser` rows are filled where the users were ranked (every rank
    /// without a sample: the evaluator shares them). Every rank calls it.
    func run(perUser: Matrix? = nil) -> (values: [String: Double], metrics: RankingMetrics?, vectors: (users: Matrix, items: Matrix)?) {
        guard users != nil else {
            let (u, v) = trainer.gatherVectors()
            let m = evaluator.evaluate(userVectors: u, itemVectors: v, train: known, test: test, perUser: perUser)
            return (m.values, m, (u, v))
        }
        let vectors = trainer.gatherVectors(here: comm.isRoot)
        let m = vectors.map { evaluator.evaluate(userVectors: $0.users, itemVectors: $0.items, train: known, test: test, users: users, perUser: perUser) }
        // Rank 0's values, bit for bit, to every rank: the names, then the numbers in their order.
        let names = m.map { $0.values.keys.sorted() } ?? []
        let text = comm.broadcast(Array(names.joined(separator: "\n").utf8), root: 0)
        let numbers = comm.broadcast(names.map { m!.values[$0]! }, root: 0)
        let keys = text.isEmpty ? [] : String(decoding: text, as: UTF8.self).split(separator: "\n").map(String.init)
        precondition(keys.count == numbers.count, "evaluation: \(keys.count) metric names for \(numbers.count) values")
        return (Dictionary(uniqueKeysWithValues: zip(keys, numbers)), m, vectors)
    }
}
