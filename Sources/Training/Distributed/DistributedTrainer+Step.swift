import NumCore
import Models
import Sampling

extension DistributedTrainer {
    /// What one virtual shard's part of a step produced.
    struct ShardStepResult {
        /// The shard's share of the step's loss (its rows' losses over the step's rows).
        var loss: Double
        var falseNegatives: (hits: Int, total: Int)
        /// The item rows' gradients, summed per distinct id within the shard.
        var gradients: RowExchange.ShardGradients
    }

    /// Forward, loss and backward of virtual shard `v`'s sub-batch, on the fetched item rows.
    /// The user rows' gradients are added to the local table; the item rows' are returned.
    /// With `dropoutSeed` (``Runs/TrainConfig/userDropout`` on), the user vectors' elements are
    /// dropped before normalisation with a mask drawn from it, as the single-process tower does.
    func shardStep(shard v: Int, batch: BatchRequest, negatives neg: NegativeBatch, globalBatch: Int, dropoutSeed: UInt64? = nil) -> ShardStepResult {
        let B = batch.count, d = modelConfig.dim
        // User tower (ID-only: the L2-normalised row, after dropout when it is on).
        let userRaw = buffers.matrix("userRaw", B, d), userOut = buffers.matrix("userOut", B, d)
        for (b, u) in batch.users.enumerated() { userRaw.row(b).update(from: users.row(u), count: d) }
        var userNorms: [Float] = []
        var mask: Matrix? = nil
        var userIn = userRaw
        if let dropoutSeed, config.userDropout > 0 {
            let m = buffers.matrix("dropoutMask", B, d)
            userIn = buffers.matrix("userIn", B, d)
            userIn.data.update(from: userRaw.data, count: B * d)
            DropoutLayer.forward(userIn, rows: B, rate: config.userDropout, seed: dropoutSeed, mask: m)
            mask = m
        }
        L2NormalizeLayer.forward(userIn, rows: B, into: userOut, norms: &userNorms)
        // Item tower once over [positives | shared | per-positive].
        let itemIDs = BatchLoss.Inputs.itemIDs(batch, neg)
        let n = itemIDs.count
        let itemRaw = buffers.matrix("itemRaw", n, d), itemOut = buffers.matrix("itemOut", n, d)
        for (i, id) in itemIDs.enumerated() { itemRaw.row(i).update(from: exchange.row(id), count: d) }
        var itemNorms: [Float] = []
        L2NormalizeLayer.forward(itemRaw, rows: n, into: itemOut, norms: &itemNorms)

        let scan = negatives.scan(batch: batch, negatives: neg, train: config.maskAccidentalHits ? dataset.train : nil,
                                  test: dataset.test, pool: pool)
        let dItems = buffers.matrix("dItems", n, d)
        let inputs = BatchLoss.Inputs(batch: batch, negatives: neg, masks: scan, users: userOut, items: itemOut, itemGradient: dItems,
                                      logitScale: loss.logitScale, meanOver: globalBatch)
        let (value, g) = BatchLoss(loss).compute(inputs, workspace: workspace, pool: pool)

        // Backward through the normalisation; the L2 penalty on every gathered row, 1/B as the
        // single-process trainer's, with B the whole step's rows.
        let l2 = config.embeddingL2 / Float(globalBatch)
        let userPre = buffers.matrix("userPre", B, d)
        L2NormalizeLayer.backward(y: userOut, dy: g.users, norms: userNorms, rows: B, into: userPre)
        if let mask { DropoutLayer.backward(userPre, rows: B, mask: mask) }
        for (b, u) in batch.users.enumerated() {
            users.addGradient(u, userPre.row(b))
            if l2 != 0 { users.addGradient(u, userRaw.row(b), scale: l2) }
        }
        let itemPre = buffers.matrix("itemPre", n, d)
        L2NormalizeLayer.backward(y: itemOut, dy: dItems, norms: itemNorms, rows: n, into: itemPre)
        var ids: [Int32] = []
        var values: [Float] = []
        for (i, id) in itemIDs.enumerated() {
            if gradientSlot[Int(id)] < 0 {
                gradientSlot[Int(id)] = Int32(ids.count)
                ids.append(id)
                values.append(contentsOf: repeatElement(0, count: d))
            }
            let k = Int(gradientSlot[Int(id)])
            values.withUnsafeMutableBufferPointer { buf in
                VectorMath.axpy(1, itemPre.row(i), buf.baseAddress! + k * d, d)
                if l2 != 0 { VectorMath.axpy(l2, itemRaw.row(i), buf.baseAddress! + k * d, d) }
            }
        }
        for id in ids { gradientSlot[Int(id)] = -1 }
        return ShardStepResult(loss: value, falseNegatives: (scan.falseNegatives, scan.total),
                               gradients: RowExchange.ShardGradients(shard: v, ids: ids, values: values))
    }
}
