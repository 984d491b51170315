/// The group of one: rank 0 of 1. Every collective returns its input (an all-to-all keeps the
/// one message to itself); this is what esans runs with when not launched by `mpirun`.
public final class SingleProcessCommunicator: Communicator {
    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }

    /// The communicator of a process on its own.
    public init() {}

    public func barrier() {}
    public func allReduceSum(_ values: [Double]) -> [Double] { values }
    public func allReduceSum(_ values: [Float]) -> [Float] { values }
    public func allReduceSum(_ values: [Int]) -> [Int] { values }
    public func allGather<T: BitwiseCopyable>(_ values: [T]) -> [T] { values }
    public func allGatherv<T: BitwiseCopyable>(_ values: [T]) -> [[T]] { [values] }

    public func broadcast<T: BitwiseCopyable>(_ values: [T], root: Int) -> [T] {
        precondition(root == 0, "broadcast: root \(root) is not a rank of a group of 1")
        return values
    }

    public func allToAllv<T: BitwiseCopyable>(_ send: [[T]]) -> [[T]] {
        precondition(send.count == 1, "allToAllv: \(send.count) messages for a group of 1")
        return send
    }
}
