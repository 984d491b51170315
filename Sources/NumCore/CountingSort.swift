/// The stable counting sort behind every compressed-row (CSR) layout esans builds: positions
/// grouped by a small integer key (pairs by user, items by list, entries by column), each
/// group keeping the positions' order.
public enum CountingSort {
    /// Group starts for `keys` in `0..<buckets`: group b is `offsets[b] ..< offsets[b + 1]`
    /// (`buckets + 1` entries, the last the number of keys). Negative keys are skipped.
    @inlinable
    public static func offsets<C: Sequence>(of keys: C, buckets: Int) -> [Int] where C.Element == Int32 {
        var offsets = [Int](repeating: 0, count: buckets + 1)
        offsets.withUnsafeMutableBufferPointer { o in
            for key in keys where key >= 0 { o[Int(key) + 1] += 1 }
            for b in 0..<buckets { o[b + 1] += o[b] }
        }
        return offsets
    }

    /// Hands each position `k` of `keys` (in order, negative keys skipped) with its slot in
    /// group order, `place(k, slot)`: the second pass of the sort, where the caller moves
    /// whatever rides with position `k` into `slot`. `offsets` is ``offsets(of:buckets:)``.
    @inlinable
    public static func scatter(_ keys: [Int32], offsets: [Int], _ place: (_ position: Int, _ slot: Int) -> Void) {
        var fill = offsets
        fill.withUnsafeMutableBufferPointer { f in
            keys.withUnsafeBufferPointer { k in
                for position in 0..<k.count where k[position] >= 0 {
                    let key = Int(k[position])
                    place(position, f[key])
                    f[key] += 1
                }
            }
        }
    }

    /// Positions of `keys` grouped by key: group b's positions, ascending, are
    /// `order[offsets[b] ..< offsets[b + 1]]`.
    public static func group(_ keys: [Int32], buckets: Int) -> (offsets: [Int], order: [Int32]) {
        let offsets = offsets(of: keys, buckets: buckets)
        var order = [Int32](repeating: 0, count: offsets[buckets])
        order.withUnsafeMutableBufferPointer { o in
            scatter(keys, offsets: offsets) { position, slot in o[slot] = Int32(position) }
        }
        return (offsets, order)
    }
}
