import ArgumentParser
import Foundation
import Codebooks
import Serving
import VectorDB

extension ExportCommand {
    /// The options of `--to milvus`.
    func validateMilvus() throws {
        if output != nil { throw ValidationError("--output goes with --to files; --to milvus writes --collection") }
        if let why = MilvusSchema.validateName(collection) { throw ValidationError("--collection: \(why)") }
        guard Self.milvusIndex(index) != nil else {
            throw ValidationError("--index must be flat, hnsw or ivf-flat with --to milvus, not '\(index)'")
        }
        guard (0...MilvusSchema.maxPartitions).contains(partitions) else {
            throw ValidationError("--partitions must be in 0...\(MilvusSchema.maxPartitions) with --to milvus, got \(partitions)")
        }
        if let why = Self.addressProblem(address) { throw ValidationError("--address: \(why)") }
    }

    /// `--index` for Milvus (`ivfflat`, pgvector's spelling, is taken as `ivf-flat`).
    static func milvusIndex(_ name: String) -> MilvusIndexKind? {
        name == "ivfflat" ? .ivfFlat : MilvusIndexKind(rawValue: name)
    }

    /// Why `address` is not a `host:port`, or nil.
    static func addressProblem(_ address: String) -> String? {
        guard let colon = address.lastIndex(of: ":"), colon != address.startIndex,
              let port = Int(address[address.index(after: colon)...]), (1...65535).contains(port) else {
            return "expected host:port (e.g. 127.0.0.1:19530), not '\(address)'"
        }
        return nil
    }

    /// `--to milvus`: the item vectors (and codes) into a new collection behind the alias `--collection`.
    func exportMilvus(run: ServingRun, codes: SemanticIDs?) throws {
        let ds = run.dataset
        let ids = (0..<ds.numItems).map { ds.items[$0] }
        let parts = codes == nil ? 0 : partitions
        let schema = MilvusSchema(name: collection, dimension: run.dimension, index: Self.milvusIndex(index)!,
                                  hasCodes: codes != nil, partitions: parts, idMaxLength: max(64, ids.map(\.utf8.count).max() ?? 1),
                                  nlist: ivfLists ?? MilvusSchema.defaultNList(rows: ds.numItems, partitions: parts))
        let info = MilvusCollectionInfo(items: ds.numItems, dataFingerprint: run.dataFingerprint, run: run.directory.path,
                                        schema: schema, kp: codes?.kp, ks: codes?.ks)
        let rows = ExportRows(ids: ids, vectors: run.items, primary: codes?.primary, secondary: codes?.secondary)
        let client = try MilvusClient(address: address)
        let t = try MilvusExport.run(rows, schema: schema, info: info, client: client,
                                     batchRows: batchRows ?? MilvusExport.defaultBatchRows)
        let layout = schema.partitions > 0 ? ", partition key primary_code over \(schema.partitions) partitions" : ""
        let kind = schema.index == .ivfFlat ? "ivf-flat, nlist \(schema.nlist)" : schema.index.rawValue
        let semantic = codes.map { " with semantic IDs (kp \($0.kp), ks \($0.ks))" } ?? " without semantic IDs"
        let replaced = t.replaced.map { ", replacing \($0)" } ?? ""
        print("wrote \(t.rows) items (dimension \(run.dimension))\(semantic) into Milvus collection \(t.collection) (\(kind)\(layout)) "
              + "behind the alias \(collection)\(replaced) at \(address) in "
              + String(format: "%.2f s (insert %.2f s, flush + index + load %.2f s)", t.totalSeconds, t.insertSeconds, t.indexSeconds))
        if let warning = t.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    }
}
