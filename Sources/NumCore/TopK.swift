/// Selection of the `k` highest-scoring entries of a row of scores.
///
/// The order is "higher score first, lower index first among equal scores", so the result is
/// fully determined by the scores. Indices listed in a sorted exclusion list (for instance a
/// user's training items) are never returned, and NaN scores are skipped.
///
/// The work is done by ``TopKAccumulator``: a scan that compares eight scores at a time with
/// the current `k`-th best score and appends the rare better ones to a candidate buffer,
/// which is cut back to the best `k` by quickselect whenever it fills up.
public struct TopKSelector: Sendable {
    /// How many entries to keep.
    public let k: Int

    /// A selector for the `k` best entries (`k >= 0`).
    public init(k: Int) {
        precondition(k >= 0, "k must be non-negative")
        self.k = k
    }

    /// Selects the best `min(k, unmasked non-NaN count)` entries of `scores[0..<count]`.
    ///
    /// - Parameters:
    ///   - scores: the row of scores.
    ///   - count: the row length `n`.
    ///   - excluding: indices to skip, sorted ascending (duplicates and indices outside
    ///     `0..<count` are allowed and ignored).
    ///   - indices: output, room for `k` indices; receives the selected indices, best first.
    ///   - outScores: output, room for `k` scores; receives the matching scores.
    /// - Returns: the number of entries written.
    public func select(
        _ scores: UnsafePointer<Float>, count: Int, excluding: UnsafeBufferPointer<Int32>,
        indices: UnsafeMutablePointer<Int32>, scores outScores: UnsafeMutablePointer<Float>
    ) -> Int {
        let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: TopKAccumulator.bufferCapacity(k: k))
        defer { buffer.deallocate() }
        var acc = TopKAccumulator(k: k, buffer: buffer)
        acc.offer(scores, firstIndex: 0, count: count, excluding: excluding)
        return acc.finish(indices: indices, scores: outScores)
    }

    /// Convenience: the best entries of `scores`, skipping the sorted indices in `excluding`.
    public func select(_ scores: [Float], excluding: [Int32] = []) -> [(index: Int32, score: Float)] {
        let capacity = min(k, scores.count)
        if capacity == 0 { return [] }
        var idx = [Int32](repeating: 0, count: capacity)
        var out = [Float](repeating: 0, count: capacity)
        let n = scores.withUnsafeBufferPointer { s in
            excluding.withUnsafeBufferPointer { ex in
                idx.withUnsafeMutableBufferPointer { ip in
                    out.withUnsafeMutableBufferPointer { op in
                        // The heap never holds more than `count` entries, so `capacity` slots suffice.
                        TopKSelector(k: capacity).select(s.baseAddress!, count: s.count, excluding: ex,
                                                        indices: ip.baseAddress!, scores: op.baseAddress!)
                    }
                }
            }
        }
        return (0..<n).map { (idx[$0], out[$0]) }
    }
}

/// A top-`k` selection fed in chunks, for rows whose scores are produced piece by piece
/// (for instance item block by item block by a GEMM). The result equals ``TopKSelector`` on
/// the whole row.
///
/// Each candidate is one `UInt64` key, the score's bits mapped to an unsigned order in the
/// high half and the complemented index in the low half, so "better" is "larger key" and no
/// two keys are equal. The scan appends scores that beat the current `k`-th best to a buffer
/// of ``bufferCapacity(k:)`` keys; when it is full, quickselect keeps the best `k` and their
/// worst score becomes the new threshold. Offer chunks in increasing index order, then call
/// ``finish(indices:scores:)`` once.
public struct TopKAccumulator {
    /// The caller-owned key buffer.
    public let buffer: UnsafeMutablePointer<UInt64>
    /// How many entries are selected at most (`k`).
    public let k: Int
    private let capacity: Int
    private var count = 0
    /// Only scores above this can still enter (the `k`-th best score once known).
    private var threshold = -Float.infinity
    /// Position in the exclusion list: entries before it are below the indices seen so far.
    private var maskCursor = 0

    /// Keys of buffer space an accumulator for `k` needs.
    public static func bufferCapacity(k: Int) -> Int { k == 0 ? 1 : 3 * k + 64 }  // >= k + 8

    /// An empty selection of at most `k` entries using `buffer`, which must have room for
    /// ``bufferCapacity(k:)`` keys and outlive the accumulator.
    public init(k: Int, buffer: UnsafeMutablePointer<UInt64>) {
        precondition(k >= 0, "k must be non-negative")
        self.k = k
        self.buffer = buffer
        self.capacity = Self.bufferCapacity(k: k)
    }

    /// Offers `chunk[j]` as the score of index `firstIndex + j` for `j` in `0..<count`,
    /// skipping NaN scores and indices listed in `excluding` (sorted ascending; the same list
    /// must be passed for every chunk of a row, and chunks must come in increasing order).
    public mutating func offer(_ chunk: UnsafePointer<Float>, firstIndex: Int, count: Int, excluding: UnsafeBufferPointer<Int32>) {
        if k == 0 { return }
        let end = firstIndex + count
        var position = firstIndex
        let maskCount = excluding.count
        // Walk the runs of allowed indices between consecutive excluded ones.
        while position < end {
            while maskCursor < maskCount && Int(excluding[maskCursor]) < position { maskCursor += 1 }
            let runEnd = maskCursor < maskCount ? min(Int(excluding[maskCursor]), end) : end
            if runEnd > position { scanRun(chunk - firstIndex, position, runEnd) }
            position = runEnd + 1  // skip the excluded index (or step past the end)
        }
    }

    /// Writes the selected entries best first to `indices[0..<n]` (and `scores[0..<n]` when
    /// given), each with room for `k`, and returns `n = min(k, entries offered)`. The
    /// accumulator must not be fed afterwards.
    public mutating func finish(indices: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>?) -> Int {
        if count > k { compact() }
        var kept = UnsafeMutableBufferPointer(start: buffer, count: count)
        kept.sort()
        for j in 0..<count {
            let key = buffer[count - 1 - j]
            indices[j] = Int32(bitPattern: ~UInt32(truncatingIfNeeded: key))
            if let scores { scores[j] = Self.score(ofKey: key) }
        }
        return count
    }

    /// The key of score `s` (not NaN) at index `i`.
    @inline(__always) static func key(_ s: Float, _ i: Int) -> UInt64 {
        let bits = (s + 0).bitPattern  // + 0 turns -0 into +0
        let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        return UInt64(ordered) << 32 | UInt64(~UInt32(truncatingIfNeeded: i))
    }

    /// The score a key was made from.
    @inline(__always) static func score(ofKey key: UInt64) -> Float {
        let ordered = UInt32(truncatingIfNeeded: key >> 32)
        return Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
    }

    @inline(__always) private mutating func append(_ s: Float, _ i: Int) {
        if count == capacity { compact() }
        buffer[count] = Self.key(s, i)
        count += 1
    }

    /// Offers `row[lo..<hi]` (indexed by global index).
    @inline(__always)
    private mutating func scanRun(_ row: UnsafePointer<Float>, _ lo: Int, _ hi: Int) {
        var i = lo
        // Eight at a time: one max-reduction and one compare decide whether any lane can
        // enter. Ties with the threshold never enter, as later indices rank below it. Each
        // lane is first clamped from below by the threshold, which also drops NaN (it fails
        // every comparison), so the tree never propagates a NaN past a real score.
        var t = threshold
        while i + 8 <= hi {
            let p = row + i
            @inline(__always) func atLeastT(_ x: Float) -> Float { x > t ? x : t }
            @inline(__always) func larger(_ a: Float, _ b: Float) -> Float { a > b ? a : b }
            let m = larger(larger(larger(atLeastT(p[0]), atLeastT(p[1])), larger(atLeastT(p[2]), atLeastT(p[3]))),
                           larger(larger(atLeastT(p[4]), atLeastT(p[5])), larger(atLeastT(p[6]), atLeastT(p[7]))))
            if m > threshold {
                // Branch-free append: every lane is written, only the winners are kept.
                if count + 8 > capacity { compact() }
                var c = count
                let th = threshold
                for j in 0..<8 {
                    buffer[c] = Self.key(p[j], i + j)
                    c += p[j] > th ? 1 : 0
                }
                count = c
                t = threshold
            }
            i += 8
        }
        while i < hi {
            if row[i] > threshold { append(row[i], i) }
            i += 1
        }
    }

    /// Keeps the best `k` keys (in `buffer[0..<k]`, unordered) and raises the threshold.
    private mutating func compact() {
        var lo = 0, hi = count - 1
        let target = k - 1  // after selection, buffer[target] is the k-th largest key
        while lo < hi {
            // Median of three as pivot, moved to `hi`; then a branch-free Lomuto partition
            // into larger | smaller keys (keys are unique, so there are no ties).
            let mid = lo + (hi - lo) / 2
            let a = buffer[lo], b = buffer[mid], c = buffer[hi]
            let pivot = max(min(a, b), min(max(a, b), c))
            let at = pivot == a ? lo : (pivot == b ? mid : hi)
            buffer[at] = c
            buffer[hi] = pivot
            var store = lo
            for i in lo..<hi {
                let v = buffer[i]
                buffer[i] = buffer[store]
                buffer[store] = v
                store += v > pivot ? 1 : 0
            }
            buffer[hi] = buffer[store]
            buffer[store] = pivot
            if store == target { break }
            if target < store { hi = store - 1 } else { lo = store + 1 }
        }
        count = k
        threshold = Self.score(ofKey: buffer[target])
    }
}
