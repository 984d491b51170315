import NumCore
import Sampling

extension BatchLoss.Inputs {
    /// The item tower's input for a batch: its positives, then the shared negatives, then the
    /// per-positive negatives (the rows of `items` in
    /// ``init(batch:negatives:masks:users:items:itemGradient:logitScale:meanOver:)``).
    static func itemIDs(_ batch: BatchRequest, _ negatives: NegativeBatch) -> [Int32] {
        batch.positives + negatives.shared + negatives.perPositive
    }

    /// The inputs of one batch straight from the sampler's output, as both trainers build them.
    ///
    /// `users` holds the user tower's rows of the batch, `items` the item tower's output over
    /// ``itemIDs(_:_:)``: the positives are its first rows and the negatives views of the rows
    /// after them, so nothing is copied. The loss writes the item-side gradients into
    /// `itemGradient`, rows in the same order. `masks` are the accidental hits found by
    /// ``BatchNegatives/scan(batch:negatives:train:test:pool:)``; logQ is the sampler's. Virtual
    /// negatives, when the sampler sends recipes, are computed row by row inside the loss's own
    /// row loops, with `logitScale` the loss's.
    init(batch: BatchRequest, negatives neg: NegativeBatch, masks: BatchNegatives.Scan, users: Matrix, items: Matrix,
         itemGradient: Matrix, logitScale: Float, meanOver: Int? = nil) {
        let B = batch.count, N = neg.shared.count, M = neg.perPositiveCount
        self.init(users: users, positives: items, batch: B)
        self.itemGradient = itemGradient
        userIDs = batch.users
        self.meanOver = meanOver
        if N > 0 { shared = Matrix(rowsOf: items, first: B, count: N); sharedLogQ = neg.sharedLogQ; sharedMasked = masks.shared }
        if M > 0 {
            perPositive = Matrix(rowsOf: items, first: B + N, count: B * M)
            perPositiveCount = M
            perPositiveLogQ = neg.perPositiveLogQ
            perPositiveMasked = masks.perPositive
        }
        if let recipes = neg.virtual, recipes.perRow > 0 {
            virtual = VirtualNegatives(recipes: recipes, users: users, perPositive: perPositive, perPositiveCount: M,
                                       positives: items, batch: B, logitScale: logitScale)
        }
    }
}
