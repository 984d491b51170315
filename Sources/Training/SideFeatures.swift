import Foundation
import NumCore
import Datasets
import Models
import Runs
import Alignment
import Codebooks

/// The dense side features of a run's towers, read from their sources
/// (``Runs/SideFeatureSettings``): a `.npy` file, or for items the output directory of
/// `esans cluster`, whose aligned per-item modality vectors are concatenated.
///
/// The item table covers the run's **catalogue**: the dataset's items (row `i` is item `i`),
/// then every item of the source that has no training interaction (``extraItemIDs``: items
/// only in the test split, items held out with `--cold-items`, items the `.item` file alone
/// lists). The model's item tower has a row for each; the extra rows are never trained and
/// score through their features alone.
public struct SideFeatures: Sendable {
    /// One tower's table.
    public struct Table: @unchecked Sendable {
        /// `rows x width` features (zero rows where absent).
        public let matrix: Matrix
        /// Whether each row has features.
        public let present: [Bool]
        /// The features without those derived from interactions (an MSAC output's behaviour
        /// block zeroed, or imputed), which a row whose ID embedding is left out uses; nil when
        /// no feature is derived from interactions.
        public var cold: Matrix? = nil
        /// XXH64 of the source's files (see ``Runs/SideFeatureSettings/Source/checksum``).
        public let checksum: String
        /// What was read, for the run's notes.
        public let notes: [String]
    }

    /// Item features (rows: the dataset's items, then ``extraItemIDs``).
    public let items: Table?
    /// User features (rows: the dataset's users).
    public let users: Table?
    /// External ids of the item rows after the dataset's items.
    public let extraItemIDs: [String]

    /// No side features.
    public init() { items = nil; users = nil; extraItemIDs = [] }

    /// Reads the sources of `settings` for `dataset`.
    /// - Throws: ``NumCore/ModelFileError`` or ``NumCore/TensorIOError`` naming the file and
    ///   the problem: rows that match neither the data's items (users) nor an id list, a NaN or
    ///   infinite value (with its row and id), an MSAC output without aligned vectors or fitted
    ///   on other interactions.
    public init(settings: SideFeatureSettings, dataset: Dataset) throws {
        var extra: [String] = []
        if let source = settings.item {
            let url = URL(fileURLWithPath: source.path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
                throw ModelFileError(file: source.path, problem: "no such file or folder (--item-features: a .npy file or an `esans cluster` output folder)")
            }
            if isDirectory.boolValue {
                items = try Self.fromMSAC(url, modalities: source.modalities, impute: source.imputeMissing ?? false, dataset: dataset, extra: &extra)
            } else {
                if source.modalities != nil || source.imputeMissing == true {
                    throw ModelFileError(file: source.path, problem: "feature modalities (chosen or imputed) are those of an `esans cluster` output folder, not of a .npy file")
                }
                var named: [String]? = []
                items = try Self.fromNPY(url, ids: dataset.items, role: "item", extra: &named)
                extra = named ?? []
            }
        } else {
            items = nil
        }
        if let source = settings.user {
            var none: [String]? = nil
            users = try Self.fromNPY(URL(fileURLWithPath: source.path), ids: dataset.users, role: "user", extra: &none)
        } else {
            users = nil
        }
        extraItemIDs = extra
    }

    /// The catalogue: the dataset's items, then ``extraItemIDs``.
    public func catalogue(_ dataset: Dataset) -> IDMap {
        var map = dataset.items
        for id in extraItemIDs { _ = map.intern(id) }
        return map
    }

    /// Number of item rows of a model with these features on `dataset`.
    public func itemRows(_ dataset: Dataset) -> Int { dataset.numItems + extraItemIDs.count }

    /// Puts the tables into `model` and marks the item rows without interactions in `train`
    /// (the extra rows, and dataset items the training split lacks) so that their ID embedding
    /// (zeroed) is left out: their vectors come from the features alone.
    public func install(into model: TwoTowerModel, train: Interactions) {
        if let items {
            let tower = model.itemTower
            tower.setFeatures(items.matrix, present: items.present, cold: items.cold)
            if let embedding = tower.embedding {
                let counts = train.itemCounts()
                let omitted = (0..<tower.vocabulary).map { $0 >= counts.count || counts[$0] == 0 }
                tower.setIDOmitted(omitted)
                let table = embedding.table.value
                for r in 0..<tower.vocabulary where omitted[r] { table.row(r).update(repeating: 0, count: table.cols) }
            }
        }
        if let users { model.userTower.setFeatures(users.matrix, present: users.present) }
    }

    /// The catalogue rows of `model` without training interactions in `train`: the cold items.
    public static func coldRows(itemRows: Int, train: Interactions) -> [Int32] {
        let counts = train.itemCounts()
        return (0..<itemRows).filter { $0 >= counts.count || counts[$0] == 0 }.map { Int32($0) }
    }

    // MARK: - Sources

    /// A `.npy` table whose rows are `ids` in order, or named by an id list beside the file
    /// (`FILE.ids`, `NAME.ids` or `ids.txt`). With `extra`, ids of the list that are not in
    /// `ids` become extra rows (items); without, they are skipped with a note.
    static func fromNPY(_ url: URL, ids: IDMap, role: String, extra: inout [String]?) throws -> Table {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelFileError(file: path, problem: "no such file (--\(role)-features: a .npy file, one row per \(role))")
        }
        let m = try NPY.readMatrix(from: url)
        var checksum = Checksum64()
        checksum.update(Array(Checksum64.hex(try Checksum64.hash(fileAt: url)).utf8))
        let idFile = [url.appendingPathExtension("ids"), url.deletingPathExtension().appendingPathExtension("ids"),
                      url.deletingLastPathComponent().appendingPathComponent("ids.txt")]
            .first { FileManager.default.fileExists(atPath: $0.path) }
        var rowIDs: [String]
        var notes: [String] = []
        if let idFile {
            rowIDs = try ImportedFeatures.readIDList(idFile)
            checksum.update(Array(Checksum64.hex(try Checksum64.hash(fileAt: idFile)).utf8))
            guard rowIDs.count == m.rows else {
                throw ModelFileError(file: path, problem: "\(m.rows) rows but \(rowIDs.count) ids in its id list \(idFile.path)")
            }
            notes.append("rows named by \(idFile.lastPathComponent)")
        } else {
            guard m.rows == ids.count else {
                throw ModelFileError(file: path, problem: "\(m.rows) rows but the data has \(ids.count) \(role)s: give one row per \(role) in the data's "
                                     + "\(role)-id order, or name the rows with an id list beside it (\(url.lastPathComponent).ids, one id per line)")
            }
            rowIDs = ids.externalIDs
        }
        var space = ids
        if extra != nil {
            for id in rowIDs where space.index(of: id) == nil { _ = space.intern(id) }
            extra = Array(space.externalIDs.dropFirst(ids.count))
        }
        let assembled = try ImportedFeatures.assemble(name: "\(role) features", file: path, ids: rowIDs, rows: m, items: space)
        return Table(matrix: assembled.vectors, present: assembled.present, checksum: Checksum64.hex(checksum.value), notes: notes + assembled.report)
    }

    /// The aligned modality vectors of an MSAC output, concatenated in `modalities` order
    /// (default: the output's), over the dataset's items and the output's other items. A
    /// modality an item lacks is a zero block, or with `impute` the mean of the item's other
    /// aligned vectors (the alignment put every modality into one space): an item without
    /// training interactions, which has no behaviour vector, then looks like the others.
    static func fromMSAC(_ dir: URL, modalities: [String]?, impute: Bool, dataset: Dataset, extra: inout [String]) throws -> Table {
        let out = try MSACOutput(directory: dir)
        let file = dir.appendingPathComponent(MSACArtifact.modelFile).path
        let names = modalities ?? out.settings.modalityOrder
        for name in names where out.saved[name] == nil {
            let have = out.saved.keys.sorted().joined(separator: ", ")
            throw ModelFileError(file: file, problem: out.saved.isEmpty
                ? "holds no per-item modality vectors (written before esans kept them): fit it again with `esans cluster`"
                : "has no aligned vectors of modality '\(name)' (it has: \(have))")
        }
        guard !names.isEmpty else { throw ModelFileError(file: file, problem: "no modality chosen") }
        let usesBehaviour = names.contains("behaviour")
        if usesBehaviour, let fitted = out.dataFingerprint, fitted != dataset.fingerprint {
            throw ModelFileError(file: file, problem: "its behaviour vectors were fitted on other interactions (data fingerprint \(fitted), this data "
                                 + "\(dataset.fingerprint)): fit it with the run's data, split, --cold-items and --seed options, or leave behaviour out "
                                 + "(--feature-modalities)")
        }
        var space = dataset.items
        for id in out.itemIDs where space.index(of: id) == nil { _ = space.intern(id) }
        extra = Array(space.externalIDs.dropFirst(dataset.numItems))
        let d = out.codebooks.dimension
        let matrix = Matrix(rows: space.count, cols: d * names.count)
        var present = [Bool](repeating: false, count: space.count)
        let counts = dataset.train.itemCounts()
        var leaks: [String] = []
        var imputed = 0
        for (k, id) in out.itemIDs.enumerated() {
            let row = space.index(of: id)!
            var missing: [Int] = []
            for (m, name) in names.enumerated() {
                let saved = out.saved[name]!
                guard saved.present[k] else { missing.append(m); continue }
                matrix.row(row).advanced(by: m * d).update(from: saved.aligned.row(k), count: d)
                present[row] = true
                if name == "behaviour" && (row >= counts.count || counts[row] == 0) { leaks.append(id) }
            }
            if impute && present[row] && !missing.isEmpty {
                let have = names.indices.filter { !missing.contains($0) }
                let mean = [Float](unsafeUninitializedCapacity: d) { buffer, count in
                    for j in 0..<d { buffer[j] = have.reduce(0) { $0 + matrix[row, $1 * d + j] } / Float(have.count) }
                    count = d
                }
                for m in missing { matrix.row(row).advanced(by: m * d).update(from: mean, count: d) }
                imputed += 1
            }
        }
        if !leaks.isEmpty {
            throw ModelFileError(file: file, problem: "gives behaviour vectors to \(leaks.count) items without training interactions in this run "
                                 + "(first: '\(leaks[0])'), so it saw interactions the run holds out: fit it with the same --validation, "
                                 + "--cold-items and --seed as the run (`esans cluster --validation F`), or leave behaviour out (--feature-modalities)")
        }
        var checksum = Checksum64()
        for name in [MSACArtifact.modelFile, MSACArtifact.idsFile] {
            checksum.update(Array(Checksum64.hex(try Checksum64.hash(fileAt: dir.appendingPathComponent(name))).utf8))
        }
        // What an item is without interactions: its behaviour block as if it had none.
        var cold: Matrix? = nil
        if let b = names.firstIndex(of: "behaviour"), names.count > 1 {
            let c = matrix.copy()
            let others = names.indices.filter { $0 != b }
            for (k, id) in out.itemIDs.enumerated() where out.saved["behaviour"]!.present[k] {
                let row = space.index(of: id)!
                let have = others.filter { out.saved[names[$0]]!.present[k] }
                for j in 0..<d {
                    c[row, b * d + j] = impute && !have.isEmpty ? have.reduce(0) { $0 + matrix[row, $1 * d + j] } / Float(have.count) : 0
                }
            }
            cold = c
        }
        let covered = present.reduce(0) { $0 + ($1 ? 1 : 0) }
        let notes = ["aligned \(names.joined(separator: "+")) vectors (\(d)-d each, \(d * names.count) in all) for \(covered) of \(space.count) items "
                     + "(\(extra.count) without training interactions)"
                     + (impute ? "; \(imputed) items' missing modalities filled with the mean of their others" : "")]
        return Table(matrix: matrix, present: present, cold: cold, checksum: Checksum64.hex(checksum.value), notes: notes)
    }
}
