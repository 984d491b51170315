import NumCore
import Datasets

/// Ranking metrics on items without training interactions (cold items), measured two ways:
/// - **catalogue** (keys `cold_recall@K`, ...): each user ranks the whole catalogue, items
///   with training interactions and cold items alike, the items known in training masked, and
///   the relevant items are the user's test (or validation) items among the cold ones. This is
///   what a user of the served index sees: can a cold item reach the top K at all?
/// - **cold only** (keys `coldonly_recall@K`, ...): each user ranks the cold items alone, so
///   the feature path is judged on its own, without the competition of the trained items.
///
/// Only users with at least one relevant cold item count, and each gets the same weight
/// (the same averaging as ``FullCorpusEvaluator``).
public enum ColdItemEvaluation {
    /// The metrics and what they were measured on.
    public struct Result: Sendable {
        /// Ranked against the whole catalogue.
        public var catalogue: RankingMetrics
        /// Ranked among the cold items only.
        public var coldOnly: RankingMetrics
        /// Cold items (candidates of the cold-only ranking).
        public var coldItems: Int
        /// Cold items with at least one relevant pair.
        public var relevantItems: Int
        /// Relevant (user, cold item) pairs.
        public var interactions: Int

        /// `cold_<metric>@K` and `coldonly_<metric>@K` (with `prefix` before each), plus
        /// `cold_items`, `cold_items_relevant`, `cold_users` and `cold_interactions`.
        public func values(prefix: String = "") -> [String: Double] {
            var out: [String: Double] = [:]
            for (k, x) in catalogue.values { out[prefix + "cold_" + k] = x }
            for (k, x) in coldOnly.values { out[prefix + "coldonly_" + k] = x }
            out[prefix + "cold_items"] = Double(coldItems)
            out[prefix + "cold_items_relevant"] = Double(relevantItems)
            out[prefix + "cold_users"] = Double(catalogue.usersEvaluated)
            out[prefix + "cold_interactions"] = Double(interactions)
            return out
        }
    }

    /// Evaluates the cold rows `coldRows` of `itemVectors` (the catalogue) for the users of
    /// `userVectors`. `relevant` holds each user's relevant items as catalogue rows, all among
    /// `coldRows`; `known` the items masked from the catalogue ranking.
    public static func evaluate(_ evaluator: FullCorpusEvaluator, userVectors: Matrix, itemVectors: Matrix, coldRows: [Int32],
                                known: some UserItemLists, relevant: some UserItemLists) -> Result {
        var position = [Int32: Int32]()
        for (p, r) in coldRows.enumerated() { position[r] = Int32(p) }
        var lists: [[Int32]] = []
        var interactions = 0
        var items = Set<Int32>()
        for u in 0..<userVectors.rows {
            let rows = u < relevant.numUsers ? Array(relevant.items(of: u)) : []
            precondition(rows.allSatisfy { position[$0] != nil }, "a relevant item of user \(u) is not a cold row")
            lists.append(rows.map { position[$0]! })
            interactions += rows.count
            items.formUnion(rows)
        }
        let catalogue = evaluator.evaluate(userVectors: userVectors, itemVectors: itemVectors, train: known, test: relevant)
        let cold = Matrix(rows: coldRows.count, cols: itemVectors.cols)
        for (p, r) in coldRows.enumerated() { cold.row(p).update(from: itemVectors.row(Int(r)), count: itemVectors.cols) }
        // Known cold items (a model trained without some items' pairs, tested on data where
        // they are known) stay masked in the cold-only ranking too.
        let knownCold = (0..<userVectors.rows).map { u in
            u < known.numUsers ? known.items(of: u).compactMap { position[$0] } : []
        }
        let coldOnly = evaluator.evaluate(userVectors: userVectors, itemVectors: cold, train: ItemLists(knownCold), test: ItemLists(lists))
        return Result(catalogue: catalogue, coldOnly: coldOnly, coldItems: coldRows.count, relevantItems: items.count, interactions: interactions)
    }
}

extension ColdItemEvaluation {
    /// The cold test pairs of `dataset` (``Datasets/Dataset/coldTest``) as rows of a catalogue
    /// made of the dataset's items followed by `extraItemIDs`, keeping the items that have a
    /// row with features (`present`, nil: every row), and the number of pairs left out for
    /// want of one. Nil when the data has no cold test pairs.
    public static func testRelevance(dataset: Dataset, extraItemIDs: [String], present: [Bool]?) -> (relevant: Interactions, withoutFeatures: Int)? {
        guard let cold = dataset.coldTest, cold.count > 0 else { return nil }
        var rowOf = [String: Int32]()
        for (k, id) in extraItemIDs.enumerated() { rowOf[id] = Int32(dataset.numItems + k) }
        var lists: [[Int32]] = []
        var skipped = 0
        for u in 0..<cold.numUsers {
            var list: [Int32] = []
            for c in cold.items(of: u) {
                if let r = rowOf[dataset.itemsWithoutTraining[Int(c)]], present?[Int(r)] != false { list.append(r) } else { skipped += 1 }
            }
            lists.append(list)
        }
        return (Interactions(numUsers: cold.numUsers, numItems: dataset.numItems + extraItemIDs.count, lists: lists), skipped)
    }
}
