import Foundation
import Alignment
import NumCore
import Datasets

/// The items MSAC can give a semantic ID: the dataset's items (in index order, so row `i < n`
/// is dataset item `i`), then the items the data names but never trains on: those that occur
/// only in test pairs (``Datasets/Dataset/itemsWithoutTraining``) and those listed only in the
/// RecBole `.item` file (the catalogue of a RecBole dataset).
///
/// Such items have no behaviour vector, but can have text, structured attributes, an image or
/// an imported vector. ``restricted(_:)`` keeps the dataset's items (the sampler needs a code
/// for each of them, even one without any modality) and every other item that has at least
/// one modality; the rest cannot be coded and are counted.
public struct ItemCatalogue: Sendable {
    /// Every candidate item: the dataset's items first, then the others.
    public let items: IDMap
    /// Number of dataset items (the first rows of ``items``).
    public let datasetItems: Int

    /// The dataset's items followed by its items without training interactions and the ids of
    /// `itemFile` (field `item_id`) that are neither, each once, in first-seen order.
    /// - Throws: ``Datasets/DataError`` for an unreadable `.item` file, ``SemanticError`` when it
    ///   has no `item_id` field.
    public init(dataset: Dataset, itemFile: URL?) throws {
        var map = dataset.items
        for id in dataset.itemsWithoutTraining { _ = map.intern(id) }
        if let itemFile {
            let table = try AtomicTable.read(path: itemFile.path, only: ["item_id"])
            guard let ids = table.tokens("item_id") else {
                throw SemanticError(file: itemFile.lastPathComponent, item: "item_id", problem: "no item_id:token field")
            }
            for id in ids { _ = map.intern(id) }
        }
        items = map
        datasetItems = dataset.numItems
    }

    /// A catalogue of exactly `items`, of which the first `datasetItems` are the dataset's.
    public init(items: IDMap, datasetItems: Int) {
        precondition(datasetItems <= items.count, "\(datasetItems) dataset items in a catalogue of \(items.count)")
        self.items = items
        self.datasetItems = datasetItems
    }

    /// Number of catalogue items that are not dataset items.
    public var extraItems: Int { items.count - datasetItems }

    /// `modality` (rows = dataset items) extended to the catalogue: the other items lack it.
    public func padded(_ modality: ModalityMatrix) -> ModalityMatrix {
        precondition(modality.numItems == datasetItems, "\(modality.numItems) rows for \(datasetItems) dataset items")
        guard extraItems > 0 else { return modality }
        let v = Matrix(rows: items.count, cols: modality.dim)
        v.data.update(from: modality.vectors.data, count: modality.vectors.count)
        return ModalityMatrix(name: modality.name, vectors: v, present: modality.present + [Bool](repeating: false, count: extraItems),
                              report: modality.report)
    }

    /// The items that can be coded, and their modalities: every dataset item, and every other
    /// item with at least one modality present. `modalities` have one row per catalogue item.
    public func restricted(_ modalities: [ModalityMatrix]) -> (catalogue: ItemCatalogue, modalities: [ModalityMatrix], withoutModality: Int) {
        for m in modalities { precondition(m.numItems == items.count, "modality \(m.name): \(m.numItems) rows for \(items.count) catalogue items") }
        let keep = (0..<items.count).filter { i in i < datasetItems || modalities.contains { $0.present[i] } }
        if keep.count == items.count { return (self, modalities, 0) }
        let subset = modalities.map { m -> ModalityMatrix in
            let v = Matrix(rows: keep.count, cols: m.dim)
            for (r, i) in keep.enumerated() { v.row(r).update(from: m.vectors.row(i), count: m.dim) }
            return ModalityMatrix(name: m.name, vectors: v, present: keep.map { m.present[$0] }, report: m.report)
        }
        return (ItemCatalogue(items: IDMap(keep.map { items[$0] }), datasetItems: datasetItems), subset, items.count - keep.count)
    }
}

/// Which modalities the coded items had: one row per combination, for the cluster summary
/// (`1,615 items from behaviour+structured+text; 67 from structured+text`).
public struct ModalityCoverage: Sendable, Equatable {
    /// One combination of modalities (names in fit order) and how many items had exactly it,
    /// split into dataset items and catalogue items without training interactions.
    public struct Row: Sendable, Equatable {
        public var modalities: [String]
        public var datasetItems: Int, otherItems: Int
        /// All items with this combination.
        public var items: Int { datasetItems + otherItems }
    }

    /// Combinations, the most frequent first (ties: more modalities first, then by name).
    public let rows: [Row]
    /// Catalogue items that had no modality and got no ID.
    public let uncoded: Int

    /// The coverage of `modalities` (one row per coded item; the first `datasetItems` are the
    /// dataset's), with `uncoded` catalogue items left out for lack of any modality.
    public init(modalities: [ModalityMatrix], datasetItems: Int, uncoded: Int) {
        var counts: [[String]: (Int, Int)] = [:]
        let n = modalities.first?.numItems ?? 0
        for i in 0..<n {
            let names = modalities.filter { $0.present[i] }.map(\.name)
            var c = counts[names] ?? (0, 0)
            if i < datasetItems { c.0 += 1 } else { c.1 += 1 }
            counts[names] = c
        }
        rows = counts.map { Row(modalities: $0.key, datasetItems: $0.value.0, otherItems: $0.value.1) }.sorted {
            ($0.items, $0.modalities.count, $1.modalities.joined(separator: "+")) > ($1.items, $1.modalities.count, $0.modalities.joined(separator: "+"))
        }
        self.uncoded = uncoded
    }

    /// Coded items.
    public var items: Int { rows.reduce(0) { $0 + $1.items } }

    /// Lines for the terminal and the report, e.g.
    /// `semantic IDs for 1,682 items (1,615 with training interactions, 67 without)` then
    /// `  1,615 from behaviour+structured+text` / `  67 from structured+text (no training interactions)`.
    public var lines: [String] {
        let dataset = rows.reduce(0) { $0 + $1.datasetItems }, other = items - dataset
        var out = ["semantic IDs for \(Self.grouped(items)) items (\(Self.grouped(dataset)) with training interactions, \(Self.grouped(other)) without)"]
        for r in rows {
            let from = r.modalities.isEmpty ? "without any modality (coded from a zero vector)" : "from " + r.modalities.joined(separator: "+")
            var line = "  \(Self.grouped(r.items)) \(from)"
            if r.datasetItems > 0 && r.otherItems > 0 {
                line += " (\(Self.grouped(r.otherItems)) without training interactions)"
            } else if r.otherItems > 0 {
                line += " (no training interactions)"
            }
            out.append(line)
        }
        if uncoded > 0 { out.append("  \(Self.grouped(uncoded)) catalogue items have no modality and no training interactions: no semantic ID") }
        return out
    }

    static func grouped(_ n: Int) -> String { DatasetInfo.grouped(n) }
}
