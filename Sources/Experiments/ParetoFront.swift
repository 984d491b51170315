/// The trade-off between cost and quality: which variants no other variant beats on both.
public enum ParetoFront {
    /// Indices of the points on the front when `cost` is to be low and `quality` high: a point
    /// is on it when no other point costs no more and gives strictly more, or costs strictly
    /// less and gives as much. Sorted by cost (then by index); non-finite points are never on it.
    public static func indices(cost: [Double], quality: [Double]) -> [Int] {
        precondition(cost.count == quality.count, "one cost per quality")
        let finite = cost.indices.filter { cost[$0].isFinite && quality[$0].isFinite }
        let onFront = finite.filter { i in
            !finite.contains { j in
                j != i && cost[j] <= cost[i] && quality[j] >= quality[i] && (cost[j] < cost[i] || quality[j] > quality[i])
            }
        }
        return onFront.sorted { cost[$0] < cost[$1] || (cost[$0] == cost[$1] && $0 < $1) }
    }
}
