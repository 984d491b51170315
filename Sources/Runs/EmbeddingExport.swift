import Foundation
import NumCore
import Datasets

/// Writes user and item vectors as numpy `.npy` files (`<f4`, shape rows x dim) with the id
/// maps as TSV (`index<TAB>external id`), so numpy, PyTorch and faiss load them directly:
/// `np.load("item_embeddings.npy")`.
public enum EmbeddingExport {
    /// The files ``write(users:items:dataset:to:)`` writes.
    public static let fileNames = ["user_embeddings.npy", "item_embeddings.npy", "user_ids.tsv", "item_ids.tsv"]

    /// Writes `user_embeddings.npy`, `item_embeddings.npy`, `user_ids.tsv`, `item_ids.tsv`
    /// into `directory` (created if needed; each file written atomically). The item rows are
    /// the dataset's items, then `extraItemIDs` (items with side features but no training
    /// interaction, vectors from their features alone).
    public static func write(users: Matrix, items: Matrix, dataset: Dataset, extraItemIDs: [String] = [], to directory: URL) throws {
        precondition(items.rows == dataset.numItems + extraItemIDs.count, "one item vector per item row")
        var itemIDs = dataset.items
        for id in extraItemIDs { _ = itemIDs.intern(id) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try NPY.write(users, to: directory.appendingPathComponent("user_embeddings.npy"))
        try NPY.write(items, to: directory.appendingPathComponent("item_embeddings.npy"))
        try AtomicFile.writeText(idTable(dataset.users), to: directory.appendingPathComponent("user_ids.tsv"))
        try AtomicFile.writeText(idTable(itemIDs), to: directory.appendingPathComponent("item_ids.tsv"))
    }

    private static func idTable(_ map: IDMap) -> String {
        var s = "index\tid\n"
        for (i, id) in map.externalIDs.enumerated() { s += "\(i)\t\(id)\n" }
        return s
    }
}

extension EmbeddingExport {
    /// Writes the items' semantic IDs beside their vectors: `item_semantic_ids.tsv`
    /// (`index<TAB>id<TAB>primary<TAB>secondary`, one line per item in row order) and the
    /// int32 arrays `item_primary_codes.npy` and `item_secondary_codes.npy`.
    public static func writeSemanticIDs(primary: [Int32], secondary: [Int32], dataset: Dataset, extraItemIDs: [String] = [],
                                        to directory: URL) throws {
        let ids = dataset.items.externalIDs + extraItemIDs
        precondition(primary.count == ids.count && secondary.count == ids.count, "one code pair per item")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var s = "index\tid\tprimary\tsecondary\n"
        for (i, id) in ids.enumerated() { s += "\(i)\t\(id)\t\(primary[i])\t\(secondary[i])\n" }
        try AtomicFile.writeText(s, to: directory.appendingPathComponent("item_semantic_ids.tsv"))
        try NPY.write(int32: primary, to: directory.appendingPathComponent("item_primary_codes.npy"))
        try NPY.write(int32: secondary, to: directory.appendingPathComponent("item_secondary_codes.npy"))
    }
}
