import Foundation
import NumCore

/// Adam (Kingma & Ba) with decoupled weight decay (AdamW) and lazy updates for sparse
/// parameters: an embedding row is updated only in steps where it received a gradient, and
/// when it is, its moments are first decayed for the steps it skipped (the same result as a
/// dense update with zero gradient, minus the parameter drift those steps would have caused).
public final class AdamOptimizer: @unchecked Sendable {
    /// Hyperparameters.
    public struct Config: Codable, Sendable, Equatable {
        public var learningRate: Float = 0.001
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        /// Decoupled weight decay per step (times the learning rate), 0 = off.
        public var weightDecay: Float = 0
        /// Creates the default configuration.
        public init() {}
    }

    /// Hyperparameters in use.
    public var config: Config
    /// Number of steps taken (checkpointed, so resumed runs continue the bias correction).
    public private(set) var step: Int = 0
    /// beta1^s and beta2^s for s = 0..<count, grown as needed (lazy rows catch up on the
    /// moment decay of the steps they skipped without a `powf` per row).
    private var beta1Powers: [Float] = [1], beta2Powers: [Float] = [1]

    /// An optimiser with `config`.
    public init(config: Config) { self.config = config }

    /// Restores the step counter (from a checkpoint).
    public func restore(step: Int) { self.step = step }

    /// Applies one update to every parameter from its gradient, then clears the gradients
    /// (each gradient row is zeroed as it is read).
    public func update(_ parameters: [Parameter], pool: WorkerPool = .shared) {
        step += 1
        let c = config
        let t = Float(step)
        let bc1 = 1 - powf(c.beta1, t), bc2 = 1 - powf(c.beta2, t)
        let lr = c.learningRate * bc2.squareRoot() / bc1
        while beta1Powers.count <= step {
            beta1Powers.append(beta1Powers[beta1Powers.count - 1] * c.beta1)
            beta2Powers.append(beta2Powers[beta2Powers.count - 1] * c.beta2)
        }
        let pow1 = beta1Powers, pow2 = beta2Powers
        for p in parameters {
            let d = p.value.cols
            let decay = p.decays ? c.learningRate * c.weightDecay : 0
            if p.sparse {
                let rows = p.touchedRows
                let current = Int32(step)
                pool.parallelRanges(rows.count, chunksPerThread: 2, minChunk: 256) { range in
                    for idx in range {
                        let r = Int(rows[idx])
                        let skipped = Int(current - p.rowStep[r] - 1)
                        let b1s = pow1[skipped], b2s = pow2[skipped]
                        Self.updateRow(value: p.value.row(r), grad: p.grad.row(r), m: p.m.row(r), v: p.v.row(r), n: d,
                                       c: c, lr: lr, decay: decay, mScale: b1s, vScale: b2s)
                        p.rowStep[r] = current
                    }
                }
            } else {
                Self.updateRow(value: p.value.data, grad: p.grad.data, m: p.m.data, v: p.v.data, n: p.value.count,
                               c: c, lr: lr, decay: decay, mScale: 1, vScale: 1)
            }
            // updateRow zeroed every gradient it read, in the parallel loop while the rows were
            // in cache; only the bookkeeping of touched rows is left.
            p.forgetTouchedRows()
        }
    }

    @inline(__always)
    private static func updateRow(value: UnsafeMutablePointer<Float>, grad: UnsafeMutablePointer<Float>,
                                  m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, n: Int,
                                  c: Config, lr: Float, decay: Float, mScale: Float, vScale: Float) {
        let b1 = c.beta1 * mScale, b2 = c.beta2 * vScale
        let g1 = 1 - c.beta1, g2 = 1 - c.beta2
        var j = 0
        typealias V = SIMD8<Float>
        while j + 8 <= n {
            let g = UnsafeRawPointer(grad + j).loadUnaligned(as: V.self)
            let mr = UnsafeMutableRawPointer(m + j), vr = UnsafeMutableRawPointer(v + j), xr = UnsafeMutableRawPointer(value + j)
            UnsafeMutableRawPointer(grad + j).storeBytes(of: V(), as: V.self)
            let mj = b1 * mr.loadUnaligned(as: V.self) + g1 * g
            let vj = b2 * vr.loadUnaligned(as: V.self) + g2 * g * g
            mr.storeBytes(of: mj, as: V.self)
            vr.storeBytes(of: vj, as: V.self)
            let x = xr.loadUnaligned(as: V.self)
            xr.storeBytes(of: x - (lr * mj / (vj.squareRoot() + c.epsilon) + decay * x), as: V.self)
            j += 8
        }
        while j < n {
            let g = grad[j]
            grad[j] = 0
            let mj = b1 * m[j] + g1 * g
            let vj = b2 * v[j] + g2 * g * g
            m[j] = mj
            v[j] = vj
            value[j] -= lr * mj / (vj.squareRoot() + c.epsilon) + decay * value[j]
            j += 1
        }
    }
}
