/// A one-to-one join of two title lists (data set items on the left, rows of a table such as
/// `posters.tsv` on the right) that never guesses.
///
/// Three passes, each over what the earlier ones left: exact equality, then ``TitleKey`` with
/// accents folded, then ``TitleKey`` with non-ASCII characters as wildcards. In each pass a
/// key shared by exactly one left and one right title is a match. A key shared by several
/// titles on either side (and present on both) is ambiguous: none of those titles is matched,
/// and they take no part in later passes. Empty keys never match.
public struct TitleJoin: Sendable {
    /// The pass that matched a pair.
    public enum Pass: String, Sendable, CaseIterable {
        case exact, folded, wildcard
    }

    /// A key that several titles share.
    public struct Ambiguity: Sendable, Equatable {
        /// The pass in which the collision was found.
        public let pass: Pass
        /// The shared key.
        public let key: String
        /// Indices of the left titles concerned.
        public let left: [Int]
        /// Indices of the right titles concerned.
        public let right: [Int]
    }

    /// For each left title, the index of its right title, or nil.
    public let match: [Int?]
    /// For each left title that matched, the pass that matched it (nil otherwise).
    public let pass: [Pass?]
    /// The collisions, in the order they were found (pass order, then key order).
    public let ambiguities: [Ambiguity]

    /// Joins `left` to `right`.
    public init(left: [String], right: [String]) {
        var match = [Int?](repeating: nil, count: left.count)
        var pass = [Pass?](repeating: nil, count: left.count)
        var leftOpen = [Bool](repeating: true, count: left.count)
        var rightOpen = [Bool](repeating: true, count: right.count)
        var ambiguities: [Ambiguity] = []
        for p in Pass.allCases {
            let key: (String) -> String
            switch p {
            case .exact: key = { $0 }
            case .folded: key = { TitleKey.key($0, mode: .folded) }
            case .wildcard: key = { TitleKey.key($0, mode: .wildcard) }
            }
            var leftByKey: [String: [Int]] = [:], rightByKey: [String: [Int]] = [:]
            for i in left.indices where leftOpen[i] {
                let k = key(left[i])
                if !k.isEmpty { leftByKey[k, default: []].append(i) }
            }
            for j in right.indices where rightOpen[j] {
                let k = key(right[j])
                if !k.isEmpty { rightByKey[k, default: []].append(j) }
            }
            for k in leftByKey.keys.sorted() {
                guard let r = rightByKey[k], let l = leftByKey[k] else { continue }
                if l.count == 1 && r.count == 1 {
                    match[l[0]] = r[0]
                    pass[l[0]] = p
                } else {
                    ambiguities.append(Ambiguity(pass: p, key: k, left: l, right: r))
                }
                for i in l { leftOpen[i] = false }
                for j in r { rightOpen[j] = false }
            }
        }
        self.match = match
        self.pass = pass
        self.ambiguities = ambiguities
    }

    /// Number of left titles matched in each pass.
    public func count(_ p: Pass) -> Int { pass.reduce(0) { $0 + ($1 == p ? 1 : 0) } }
    /// Number of left titles matched.
    public var matchedCount: Int { match.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
    /// Left titles left out because their key was ambiguous.
    public var ambiguousLeft: [Int] { ambiguities.flatMap(\.left).sorted() }
}
