import Foundation
import NumCore
import Datasets
import Models
import Evaluation
import Sampling

extension Trainer {
    /// With item features, items of the dataset without training interactions in this phase
    /// (the cold validation items, or items a validation carving left without any) stay unseen
    /// as the test's cold items are: a negative drawn on one is drawn again, uniformly among the
    /// items with training interactions. (The test's cold items lie outside the sampled range.)
    public func avoidColdNegatives() {
        guard model.itemTower.features != nil else { return }
        let counts = dataset.train.itemCounts()
        guard counts.contains(0) else { return }
        isColdItem = counts.map { $0 == 0 }
        warmItems = counts.indices.filter { counts[$0] > 0 }.map { Int32($0) }
    }

    /// Redraws the negatives of `neg` that fall on cold items (see ``avoidColdNegatives()``).
    func redrawColdNegatives(_ neg: inout NegativeBatch, rng: inout RandomSource) {
        for j in neg.shared.indices where isColdItem[Int(neg.shared[j])] { neg.shared[j] = warmItems[rng.below(warmItems.count)] }
        var redrawn = false
        for j in neg.perPositive.indices where isColdItem[Int(neg.perPositive[j])] {
            neg.perPositive[j] = warmItems[rng.below(warmItems.count)]
            redrawn = true
        }
        // A redrawn negative may be one of the user's training items: mask it like any other.
        if redrawn { neg.perPositiveFiltered = false }
    }

    /// The vectors of every item row of the model: the dataset's items, then the items with
    /// features but no training interaction (``SideFeatures/extraItemIDs``).
    public func encodeCatalogue() -> Matrix {
        TwoTowerModel.encodeAll(model.itemTower, count: model.numItems)
    }

    /// Cold-item metrics on validation: the pairs of the cold validation items
    /// (``Datasets/Dataset/coldValidation``), which this trainer's data holds out of training.
    /// Nil when there are none or the item tower has no features (an ID row never trained
    /// cannot rank an item).
    public func evaluateColdValidation(cutoffs: [Int]) -> ColdItemEvaluation.Result? {
        guard model.itemTower.features != nil, let relevant = dataset.coldValidation, relevant.count > 0 else { return nil }
        let (users, _) = encodeAll()
        return ColdItemEvaluation.evaluate(FullCorpusEvaluator(cutoffs: cutoffs), userVectors: users, itemVectors: encodeCatalogue(),
                                           coldRows: SideFeatures.coldRows(itemRows: model.numItems, train: dataset.train),
                                           known: dataset.train, relevant: relevant)
    }

    /// Cold-item metrics on test: the test pairs of the items without training interactions
    /// (``Datasets/Dataset/coldTest``) that the catalogue has rows for (`extraItemIDs` after
    /// the dataset's items), ranked with every known interaction masked. Also returns the test
    /// pairs left out because their item has no features. Nil when the item tower has no
    /// features or no cold item has a test pair.
    public func evaluateColdTest(extraItemIDs: [String], cutoffs: [Int]) -> (result: ColdItemEvaluation.Result, withoutFeatures: Int)? {
        guard model.itemTower.features != nil,
              let cold = ColdItemEvaluation.testRelevance(dataset: dataset, extraItemIDs: extraItemIDs, present: model.itemTower.featurePresent),
              cold.relevant.count > 0 else { return nil }
        let (relevant, skipped) = cold
        let known = knownInteractions
        let (users, _) = encodeAll(histories: known)
        let result = ColdItemEvaluation.evaluate(FullCorpusEvaluator(cutoffs: cutoffs), userVectors: users, itemVectors: encodeCatalogue(),
                                                 coldRows: SideFeatures.coldRows(itemRows: model.numItems, train: dataset.train),
                                                 known: known, relevant: relevant)
        return (result, skipped)
    }
}
