import Foundation

/// Summary statistics of a ``Dataset`` and a plain-text report of them.
///
/// Degrees count **train** interactions. Quantiles use the nearest rank on the sorted
/// degrees: the q-quantile is element `round(q * (n - 1))`.
public struct DatasetInfo: Sendable, CustomStringConvertible {
    /// The quantile levels reported, in order: min, 25%, 50%, 75%, 90%, 99%, max.
    public static let quantileLevels: [Double] = [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1]

    /// Data set name.
    public let name: String
    /// Number of users.
    public let numUsers: Int
    /// Number of items.
    public let numItems: Int
    /// Train interactions.
    public let trainCount: Int
    /// Test interactions.
    public let testCount: Int
    /// Validation interactions, nil when the data set has no validation part.
    public let validationCount: Int?
    /// All interactions (train + test + validation) over `numUsers * numItems`.
    public let density: Double
    /// Train degree of users at ``quantileLevels``.
    public let userDegreeQuantiles: [Int]
    /// Train degree of items at ``quantileLevels``.
    public let itemDegreeQuantiles: [Int]
    /// Mean train degree of users.
    public let meanUserDegree: Double
    /// Mean train degree of items.
    public let meanItemDegree: Double
    /// Users without train interactions.
    public let coldUsers: Int
    /// Items without train interactions.
    public let coldItems: Int
    /// Items with fewer than 5 train interactions (including cold ones).
    public let rareItems: Int
    /// Users with at least one test interaction.
    public let testUsers: Int
    /// The data set's loading notes.
    public let notes: [String]
    /// What each load-time filter removed (before the split), in order.
    public let filters: [FilterOutcome]

    /// Computes the statistics of `d`.
    public init(_ d: Dataset) {
        name = d.name
        numUsers = d.train.numUsers
        numItems = d.train.numItems
        trainCount = d.train.count
        testCount = d.test.count
        validationCount = d.validation?.count
        let total = Double(trainCount + testCount + (validationCount ?? 0))
        density = numUsers > 0 && numItems > 0 ? total / (Double(numUsers) * Double(numItems)) : 0
        let userDegrees = d.train.userCounts().sorted()
        let itemDegrees = d.train.itemCounts().sorted()
        userDegreeQuantiles = Self.quantiles(userDegrees)
        itemDegreeQuantiles = Self.quantiles(itemDegrees)
        meanUserDegree = numUsers > 0 ? Double(trainCount) / Double(numUsers) : 0
        meanItemDegree = numItems > 0 ? Double(trainCount) / Double(numItems) : 0
        coldUsers = userDegrees.prefix { $0 == 0 }.count
        coldItems = itemDegrees.prefix { $0 == 0 }.count
        rareItems = itemDegrees.prefix { $0 < 5 }.count
        testUsers = d.test.userCounts().filter { $0 > 0 }.count
        notes = d.notes
        filters = d.filters
    }

    /// Nearest-rank quantiles of sorted values at ``quantileLevels`` (zeros when empty).
    static func quantiles(_ sorted: [Int]) -> [Int] {
        guard !sorted.isEmpty else { return quantileLevels.map { _ in 0 } }
        return quantileLevels.map { q in sorted[Int((q * Double(sorted.count - 1)).rounded())] }
    }

    /// A multi-line text report: sizes, density, degree quantiles, cold counts and notes.
    public var description: String {
        var lines: [String] = ["dataset \(name)"]
        let sizes: [(String, String)] = [
            ("users", Self.grouped(numUsers)),
            ("items", Self.grouped(numItems)),
            ("train interactions", Self.grouped(trainCount)),
            ("test interactions", Self.grouped(testCount)),
            ("validation interactions", validationCount.map(Self.grouped) ?? "-"),
            ("density", String(format: "%.6f", density)),
            ("users with test items", Self.grouped(testUsers)),
            ("cold users (no train)", Self.grouped(coldUsers)),
            ("cold items (no train)", Self.grouped(coldItems)),
            ("rare items (< 5 train)", Self.grouped(rareItems)),
        ]
        let labelWidth = sizes.map { $0.0.count }.max()!
        let valueWidth = sizes.map { $0.1.count }.max()!
        for (label, value) in sizes { lines.append("  " + Self.pad(label, labelWidth, left: true) + "  " + Self.pad(value, valueWidth)) }

        lines.append("")
        let header = ["train degree", "min", "25%", "50%", "75%", "90%", "99%", "max", "mean"]
        let rows = [
            ["users"] + userDegreeQuantiles.map(Self.grouped) + [String(format: "%.1f", meanUserDegree)],
            ["items"] + itemDegreeQuantiles.map(Self.grouped) + [String(format: "%.1f", meanItemDegree)],
        ]
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        for row in [header] + rows {
            lines.append("  " + row.indices.map { c in Self.pad(row[c], widths[c], left: c == 0) }.joined(separator: "  "))
        }
        if !filters.isEmpty {
            lines.append("")
            lines += filterTable()
        }
        if !notes.isEmpty {
            lines.append("")
            lines.append("notes:")
            lines += notes.map { "  - " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// What the filters removed, one row per filter, in the order they ran.
    func filterTable() -> [String] {
        let header = ["removed before the split", "interactions", "users", "items", "rounds"]
        let rows = filters.map { f in
            [f.name, Self.grouped(f.interactionsRemoved), Self.grouped(f.usersRemoved), Self.grouped(f.itemsRemoved), String(f.rounds)]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        return ([header] + rows).map { row in
            "  " + row.indices.map { c in Self.pad(row[c], widths[c], left: c == 0) }.joined(separator: "  ")
        }
    }

    /// `1234567` as `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (k, ch) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return value < 0 ? "-" + out : out
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + fill : fill + text
    }
}
