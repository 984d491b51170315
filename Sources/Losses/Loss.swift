import NumCore
import Runs

/// A training loss on the logits of one batch row: the positive in column 0, then the row's
/// negatives (shared pool, per-positive, virtual) in the columns after it.
///
/// Every loss is one small type behind this protocol. The batch engine (`BatchLoss` in
/// Training) computes the logits `z = logitScale * <u, v>` of every row with GEMMs, calls
/// ``row(_:refill:)`` once per row (rows in parallel), and back-propagates the gradients the
/// loss leaves in the row through the same GEMMs. A loss therefore sees numbers only, never
/// vectors, and its forward and backward sit side by side in one function (llm.c style).
///
/// The batch loss is the mean of the row losses over the batch.
public protocol Loss: AnyObject, Sendable {
    /// Which loss this is.
    var kind: LossKind { get }
    /// Multiplier from a cosine score `<u, v>` to the logit the loss receives (1/tau for the
    /// softmax family, 1 for losses on raw cosines).
    var logitScale: Float { get }
    /// True when the engine should subtract `log(n q_j)` (the logQ correction) from each
    /// negative's logit; false when the loss reads it from ``LossRow/logQ`` and applies it
    /// its own way (or not at all).
    var logQInLogits: Bool { get }
    /// Forward and backward of one row: returns the row's loss and overwrites
    /// `row.logits[0..<row.width]` with d(batch loss)/d(logit), i.e. the row's gradient
    /// divided by the batch size. Masked columns must get a zero gradient and no share of
    /// the loss. `refill` rewrites the row's original logits (masked columns included), for
    /// losses that must start over after an in-place pass went wrong numerically.
    func row(_ row: LossRow, refill: () -> Void) -> Float
    /// Whether ``beginEpoch(_:context:)`` needs the model's vectors (computing them costs a
    /// pass over every user and item).
    var usesEpochContext: Bool { get }
    /// Called once before each epoch's first step, with the current model's vectors (losses
    /// with state per user or per epoch, such as Adap-tau, update it here).
    func beginEpoch(_ epoch: Int, context: LossEpochContext)
    /// Called before each batch's rows with the batch size.
    func beginBatch(rows: Int)
    /// Called after each batch with the batch's users, in row order (losses that gather
    /// per-user statistics row by row fold them in here, serially).
    func endBatch(users: [Int32])
    /// State a resumed run needs to continue exactly (saved with the checkpoint), by name.
    func state() -> [String: [Float]]
    /// Restores what ``state()`` returned.
    func restore(_ state: [String: [Float]]) throws
}

extension Loss {
    public var usesEpochContext: Bool { false }
    public func beginEpoch(_ epoch: Int, context: LossEpochContext) {}
    public func beginBatch(rows: Int) {}
    public func endBatch(users: [Int32]) {}
    public func state() -> [String: [Float]] { [:] }
    public func restore(_ state: [String: [Float]]) throws {}
}

/// A loss's saved state does not fit it.
public struct LossStateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What a loss may look at before an epoch: the whole model's vectors and the training
/// interactions, as compressed rows (`items[offsets[u]..<offsets[u+1]]` are user u's).
public struct LossEpochContext {
    /// L2-normalised user vectors, one row per user.
    public var users: Matrix
    /// L2-normalised item vectors, one row per item.
    public var items: Matrix
    /// Row offsets of the training interactions (users + 1 entries).
    public var offsets: [Int]
    /// Training items, user by user.
    public var trainItems: [Int32]

    /// A context over the given vectors and interactions.
    public init(users: Matrix, items: Matrix, offsets: [Int], trainItems: [Int32]) {
        self.users = users; self.items = items; self.offsets = offsets; self.trainItems = trainItems
    }
}

/// One row of a batch as a loss sees it.
public struct LossRow {
    /// The logits, `width` of them: column 0 the positive, then the negatives. On return from
    /// ``Loss/row(_:refill:)``, d(batch loss)/d(logit).
    public let logits: UnsafeMutablePointer<Float>
    /// Number of columns.
    public let width: Int
    /// Bounds of every logit of the row, masked or not (not necessarily tight): losses may
    /// use them as a softmax shift instead of scanning for the maximum.
    public let upperBound: Float, lowerBound: Float
    /// Number of rows in the batch (the batch loss is the mean of the row losses).
    public let batchSize: Float
    /// Index of the row in the batch.
    public let index: Int
    /// The row's user.
    public let user: Int32
    /// When the loss applies logQ itself: `log(n q_j)` of each column's negative (column 0,
    /// the positive, holds 0). Nil when the engine subtracted it, or when there is none.
    public let logQ: UnsafePointer<Float>?
    private let maskA: UnsafeBufferPointer<Int32>, offsetA: Int
    private let maskB: UnsafeBufferPointer<Int32>, offsetB: Int

    /// A row. Masked columns are given as two lists of sorted flat indices with the offset
    /// that turns an index into a column (`column = index + offset`).
    public init(logits: UnsafeMutablePointer<Float>, width: Int, upperBound: Float, lowerBound: Float, batchSize: Float,
                index: Int, user: Int32, logQ: UnsafePointer<Float>?,
                masked first: UnsafeBufferPointer<Int32>, offset firstOffset: Int,
                _ second: UnsafeBufferPointer<Int32>, offset secondOffset: Int) {
        self.logits = logits; self.width = width
        self.upperBound = upperBound; self.lowerBound = lowerBound
        self.batchSize = batchSize; self.index = index; self.user = user; self.logQ = logQ
        maskA = first; offsetA = firstOffset; maskB = second; offsetB = secondOffset
    }

    /// A row with no masked columns.
    public init(logits: UnsafeMutablePointer<Float>, width: Int, batchSize: Float = 1, user: Int32 = 0, logQ: UnsafePointer<Float>? = nil) {
        self.init(logits: logits, width: width, upperBound: VectorMath.max(logits, width), lowerBound: -.infinity,
                  batchSize: batchSize, index: 0, user: user, logQ: logQ,
                  masked: UnsafeBufferPointer(start: nil, count: 0), offset: 0, UnsafeBufferPointer(start: nil, count: 0), offset: 0)
    }

    /// Calls `body` with every masked column, in increasing order within each list.
    @inline(__always)
    public func forEachMasked(_ body: (Int) -> Void) {
        for f in maskA { body(Int(f) + offsetA) }
        for f in maskB { body(Int(f) + offsetB) }
    }

    /// Number of masked columns.
    public var maskedCount: Int { maskA.count + maskB.count }
}
