import Foundation
import Alignment
import NumCore
import Datasets
import Clustering

/// The structured modality: item attributes (categorical and multi-valued fields of the
/// `.item` file) and knowledge-graph relations (`.kg` + `.link`) as a TF-IDF-weighted sparse
/// item x token matrix, reduced to a dense vector by ``RandomizedSVD``.
///
/// Tokens are `field=value` for attributes (each element of a `token_seq` field, or of a
/// `token` field split on spaces when asked, is one token) and `relation=tail` for knowledge
/// graph triples whose head is the item's entity. In the RecBole MovieLens files the heads are
/// the films (`m.0c3wmn film.film.actor m.02vxxgs`); most relations also appear reversed
/// (`film.director.film` with the film as tail), so the reversed triples add nothing and
/// are not used.
///
/// Weight of token `t` in item `i`: `(1 + ln tf) · ln(N / df(t))`, where `tf` is the number
/// of times `t` occurs for `i`, `N` the number of items with at least one token and `df(t)`
/// the number of items having `t`; every row is then scaled to unit L2 norm. Tokens found in
/// fewer than ``Options/minDocumentFrequency`` items (they cannot make two items similar)
/// or in every item (idf 0) are dropped.
public enum StructuredFeatures {
    /// An `.item` field to take tokens from.
    public struct Field: Sendable, Hashable {
        /// The field name in the header (`class`, `genre`, `release_year`, ...).
        public var name: String
        /// Split a `token` value on spaces (e.g. ML-1M `genre` holds `Animation Children's`).
        /// `token_seq` values are always one token per element.
        public var splitOnSpaces: Bool
        /// A field; `splitOnSpaces` defaults to false.
        public init(_ name: String, splitOnSpaces: Bool = false) {
            self.name = name
            self.splitOnSpaces = splitOnSpaces
        }
    }

    /// Featuriser settings.
    public struct Options: Sendable {
        /// The SVD's settings; default d = 64, `U·S` (LSA).
        public var svd: SVDEmbedding
        /// Tokens in fewer items are dropped (default 2).
        public var minDocumentFrequency: Int
        /// Knowledge-graph relations to use; nil uses all.
        public var relations: Set<String>?
        /// Defaults: d = 64, min df 2, all relations, oversampling 10, 2 power iterations, `U·S`.
        public init(svd: SVDEmbedding = SVDEmbedding(scaling: .full), minDocumentFrequency: Int = 2, relations: Set<String>? = nil) {
            self.svd = svd
            self.minDocumentFrequency = minDocumentFrequency
            self.relations = relations
        }
    }

    /// A TF-IDF matrix (`numItems x vocabulary.count`) and its column tokens.
    public struct TFIDF: Sendable {
        /// Row-normalised TF-IDF weights.
        public var matrix: SparseMatrix
        /// Token of every column.
        public var vocabulary: [String]
    }

    /// Tokens of every data set item from the given `.item` fields. Rows whose id is not a
    /// data set item are skipped (and counted in the report).
    /// - Throws: ``SemanticError`` when the table has no `item_id` field or lacks a field.
    public static func attributeTokens(table: AtomicTable, fields: [Field], items: IDMap) throws -> (tokens: [[String]], report: [String]) {
        guard let ids = table.tokens("item_id") else {
            throw SemanticError(file: table.file, item: "item_id", problem: "no item_id:token field")
        }
        var tokens = [[String]](repeating: [], count: items.count)
        var unknown = 0
        var rowItem = [Int?](repeating: nil, count: ids.count)
        for (r, id) in ids.enumerated() {
            if let i = items.index(of: id) { rowItem[r] = i } else { unknown += 1 }
        }
        for f in fields {
            guard let column = table.column(f.name) else {
                throw SemanticError(file: table.file, item: f.name,
                                    problem: "no such field (fields: \(table.fields.map(\.name).joined(separator: ", ")))")
            }
            for r in 0..<ids.count {
                guard let i = rowItem[r] else { continue }
                let values: [String]
                switch column {
                case .token(let v): values = f.splitOnSpaces ? v[r].split(separator: " ").map(String.init) : [v[r]]
                case .tokenSeq(let v): values = v[r]
                case .float(let v): values = v[r].isNaN ? [] : [NumberText.of(v[r])]
                case .floatSeq(let v): values = v[r].map { String($0) }
                }
                for value in values where !value.isEmpty { tokens[i].append(f.name + "=" + value) }
            }
        }
        var report = ["\(table.file): attribute tokens from \(fields.map(\.name).joined(separator: ", "))"]
        if unknown > 0 { report.append("\(table.file): \(unknown) rows for items not in the data set skipped") }
        return (tokens, report)
    }

    /// `relation=tail` tokens of every data set item: `.link` maps `item_id` to `entity_id`,
    /// and every `.kg` triple `head_id relation_id tail_id` whose head is an item's entity
    /// gives that item a token (only `relations`, when given).
    /// - Throws: ``SemanticError`` when a file lacks one of those fields.
    public static func knowledgeGraphTokens(kg: AtomicTable, link: AtomicTable, items: IDMap,
                                            relations: Set<String>? = nil) throws -> (tokens: [[String]], report: [String]) {
        func need(_ t: AtomicTable, _ name: String) throws -> [String] {
            guard let v = t.tokens(name) else { throw SemanticError(file: t.file, item: name, problem: "no \(name):token field") }
            return v
        }
        let linkItems = try need(link, "item_id"), linkEntities = try need(link, "entity_id")
        let heads = try need(kg, "head_id"), rels = try need(kg, "relation_id"), tails = try need(kg, "tail_id")
        var entityItems: [String: [Int]] = [:]
        var linked = 0
        for (id, e) in zip(linkItems, linkEntities) {
            guard let i = items.index(of: id) else { continue }
            entityItems[e, default: []].append(i)
            linked += 1
        }
        var tokens = [[String]](repeating: [], count: items.count)
        var used = 0
        for r in 0..<heads.count {
            guard let owners = entityItems[heads[r]] else { continue }
            if let relations, !relations.contains(rels[r]) { continue }
            let token = rels[r] + "=" + tails[r]
            for i in owners { tokens[i].append(token) }
            used += 1
        }
        let withTokens = tokens.reduce(0) { $0 + ($1.isEmpty ? 0 : 1) }
        return (tokens, ["\(link.file): \(linked) of \(items.count) items linked to an entity",
                         "\(kg.file): \(used) of \(heads.count) triples have an item's entity as head; \(withTokens) items have KG tokens"])
    }

    /// The TF-IDF matrix of per-item token lists (see the type's documentation for weights).
    public static func tfidf(_ tokens: [[String]], minDocumentFrequency: Int = 2) -> TFIDF {
        var vocabularyIndex: [String: Int] = [:]
        var vocabulary: [String] = []
        var df: [Int] = []
        var counted: [[(Int, Int)]] = []
        counted.reserveCapacity(tokens.count)
        for list in tokens {
            var tf: [Int: Int] = [:]
            for t in list {
                let id: Int
                if let k = vocabularyIndex[t] { id = k } else {
                    id = vocabulary.count
                    vocabularyIndex[t] = id
                    vocabulary.append(t)
                    df.append(0)
                }
                tf[id, default: 0] += 1
            }
            for k in tf.keys { df[k] += 1 }
            counted.append(tf.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
        let documents = tokens.reduce(0) { $0 + ($1.isEmpty ? 0 : 1) }
        // Keep tokens with minDF <= df < N, renumbered in first-seen order.
        var column = [Int](repeating: -1, count: vocabulary.count)
        var kept: [String] = []
        for k in 0..<vocabulary.count where df[k] >= max(1, minDocumentFrequency) && df[k] < documents {
            column[k] = kept.count
            kept.append(vocabulary[k])
        }
        var offsets = [0]
        var cols: [Int32] = []
        var vals: [Float] = []
        for row in counted {
            var entries: [(Int32, Float)] = []
            var norm = 0.0
            for (k, tf) in row where column[k] >= 0 {
                let w = (1 + log(Double(tf))) * log(Double(documents) / Double(df[k]))
                entries.append((Int32(column[k]), Float(w)))
                norm += w * w
            }
            let scale = norm > 0 ? Float(1 / norm.squareRoot()) : 0
            for (c, w) in entries.sorted(by: { $0.0 < $1.0 }) {
                cols.append(c)
                vals.append(w * scale)
            }
            offsets.append(cols.count)
        }
        let m = SparseMatrix(rows: tokens.count, cols: kept.count, rowOffsets: offsets, columnIndices: cols, values: vals)
        return TFIDF(matrix: m, vocabulary: kept)
    }

    /// TF-IDF of `tokens` reduced to `options.svd.dim` with ``Clustering/SVDEmbedding``; items with no kept
    /// token are marked not present. The output always has `options.svd.dim` columns (zero-padded
    /// when the matrix has lower rank).
    public static func reduce(tokens: [[String]], options: Options = Options(), report: [String] = [],
                              pool: WorkerPool? = WorkerPool.shared) -> ModalityMatrix {
        let t = tfidf(tokens, minDocumentFrequency: options.minDocumentFrequency)
        let a = t.matrix
        let reduced = options.svd.reduce(a, pool: pool)
        var lines = report
        lines.append("structured: \(t.vocabulary.count) tokens (df >= \(options.minDocumentFrequency)), \(a.nonZeroCount) entries; "
                     + "\(reduced.presentCount) of \(a.rows) items present; \(reduced.summary)")
        return ModalityMatrix(name: "structured", vectors: reduced.vectors, present: reduced.present, report: lines)
    }

    /// The structured modality from RecBole atomic files: attribute tokens from `fields` of
    /// `itemFile` and, when both are given, knowledge-graph tokens from `kgFile` + `linkFile`.
    /// - Throws: ``SemanticError`` or ``Datasets/DataError`` for unreadable or malformed files.
    public static func build(items: IDMap, itemFile: URL?, fields: [Field], kgFile: URL? = nil, linkFile: URL? = nil,
                             options: Options = Options(), pool: WorkerPool? = WorkerPool.shared) throws -> ModalityMatrix {
        var tokens = [[String]](repeating: [], count: items.count)
        var report: [String] = []
        if let itemFile, !fields.isEmpty {
            let only = Set(fields.map(\.name) + ["item_id"])
            let table = try AtomicTable.read(path: itemFile.path, only: only)
            let (t, r) = try attributeTokens(table: table, fields: fields, items: items)
            for i in 0..<items.count { tokens[i] += t[i] }
            report += r
        }
        if let kgFile, let linkFile {
            let kg = try AtomicTable.read(path: kgFile.path)
            let link = try AtomicTable.read(path: linkFile.path)
            let (t, r) = try knowledgeGraphTokens(kg: kg, link: link, items: items, relations: options.relations)
            for i in 0..<items.count { tokens[i] += t[i] }
            report += r
        }
        return reduce(tokens: tokens, options: options, report: report, pool: pool)
    }
}
