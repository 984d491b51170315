import Foundation
import Runs
import NumCore
import Losses

/// Times the batch loss (forward and backward) of every loss on random unit vectors of a
/// training step's shape, in interleaved rounds so that the machine's drift hits every loss
/// alike.
public enum LossBenchmark {
    /// One loss's timing.
    public struct Result: Sendable {
        public var kind: LossKind
        /// Median milliseconds per batch over the rounds.
        public var milliseconds: Double
        /// Median over rounds of this loss's time divided by the softmax's in the same round.
        public var ratioToSoftmax: Double
    }

    /// `rounds` rounds of `repeats` batches of each loss: `batch` rows against `negatives`
    /// shared negatives of width `dim` (no masks, no logQ).
    public static func run(batch: Int = 1024, negatives: Int = 1024, dim: Int = 64, rounds: Int = 7, repeats: Int = 5,
                           pool: WorkerPool = .shared) -> [Result] {
        var rng = RandomSource(seed: 11)
        func unitRows(_ n: Int) -> Matrix {
            let m = Matrix(rows: n, cols: dim)
            for r in 0..<n {
                var s: Float = 0
                for k in 0..<dim { let v = rng.normal(); m[r, k] = v; s += v * v }
                let inv = 1 / s.squareRoot()
                for k in 0..<dim { m[r, k] *= inv }
            }
            return m
        }
        var x = BatchLoss.Inputs(users: unitRows(batch), positives: unitRows(batch), batch: batch)
        x.shared = unitRows(negatives)
        x.userIDs = (0..<batch).map { Int32($0) }
        let kinds = LossKind.allCases
        let workspace = BatchLoss.Workspace()
        var times: [LossKind: [Double]] = [:]
        for _ in 0..<rounds {
            for kind in kinds {
                let engine = BatchLoss(LossConfig(kind: kind).make())
                _ = engine.compute(x, workspace: workspace, pool: pool)   // warm-up
                let t0 = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<repeats { _ = engine.compute(x, workspace: workspace, pool: pool) }
                times[kind, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(repeats))
            }
        }
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s[s.count / 2] }
        let soft = times[.softmax]!
        return kinds.map { k in
            Result(kind: k, milliseconds: median(times[k]!), ratioToSoftmax: median(zip(times[k]!, soft).map { $0 / $1 }))
        }
    }
}
