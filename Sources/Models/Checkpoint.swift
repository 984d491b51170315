import Foundation
import NumCore

/// Saves and restores a model and its optimiser as one safetensors file.
///
/// Layout: every parameter under its own name (e.g. `item.embedding`), Adam moments under
/// `adam.m/<name>` and `adam.v/<name>`, lazy-Adam row steps under `adam.row_step/<name>` (I32),
/// and string metadata: `esans.format` (1), `esans.model_config` (JSON), `esans.num_users`,
/// `esans.num_items`, `esans.step`, plus whatever the caller adds (seed, epoch, training
/// configuration). A tower with dense features stores its table too (not trained):
/// `<tower>.features` and `<tower>.cold_features` (F32), `<tower>.features_present` and
/// `<tower>.id_omitted` (I32 0/1), each when set, so a model file rebuilds the same vectors on its own. numpy, PyTorch (`safetensors.torch.load_file`) and faiss users can read the
/// embedding tables directly. Writes are atomic: a crash never leaves half a checkpoint. The
/// file carries checksums of its header and payload (see ``SafeTensorsFile/payloadChecksumKey``):
/// a damaged or truncated checkpoint is refused when read, naming the file.
public enum Checkpoint {
    /// Current layout version.
    public static let formatVersion = "1"

    /// Writes `model` (and `optimizer`, when given) to `url` with extra `metadata`, and
    /// `extras` (training state besides the model, e.g. a loss's per-user statistics) as F32
    /// vectors under `extra/<name>`.
    public static func save(model: TwoTowerModel, optimizer: AdamOptimizer?, metadata: [String: String],
                            extras: [String: [Float]] = [:], to url: URL) throws {
        var file = SafeTensorsFile()
        for (name, values) in extras.sorted(by: { $0.key < $1.key }) {
            let m = Matrix(rows: 1, cols: values.count)
            if !values.isEmpty { m.data.update(from: values, count: values.count) }
            file.add(name: "extra/" + name, matrix: m)
        }
        for tower in [model.userTower, model.itemTower] {
            guard let f = tower.features else { continue }
            file.add(name: tower.name + ".features", matrix: f)
            if let cold = tower.coldFeatures { file.add(name: tower.name + ".cold_features", matrix: cold) }
            if let present = tower.featurePresent { file.add(name: tower.name + ".features_present", int32: present.map { $0 ? 1 : 0 }) }
            if let omitted = tower.idOmitted { file.add(name: tower.name + ".id_omitted", int32: omitted.map { $0 ? 1 : 0 }) }
        }
        for p in model.parameters {
            file.add(name: p.name, matrix: p.value)
            if optimizer != nil {
                file.add(name: "adam.m/" + p.name, matrix: p.m)
                file.add(name: "adam.v/" + p.name, matrix: p.v)
                if p.sparse { file.add(name: "adam.row_step/" + p.name, int32: p.rowStep) }
            }
        }
        try finish(&file, config: model.config, numUsers: model.numUsers, numItems: model.numItems,
                   step: optimizer?.step, metadata: metadata, to: url)
    }

    /// Writes the model of `config` whose parameters are `tables` (name and value, e.g.
    /// `user.embedding` and `item.embedding` of an ID-only model), as ``save(model:optimizer:metadata:extras:to:)``
    /// writes that model without optimiser: for a caller that holds the tables alone (the
    /// distributed trainer's gather), since a ``TwoTowerModel`` keeps a gradient and two
    /// moments beside every table, four times its memory.
    public static func save(config: ModelConfig, numUsers: Int, numItems: Int, tables: [(name: String, value: Matrix)],
                            metadata: [String: String], to url: URL) throws {
        var file = SafeTensorsFile()
        for t in tables { file.add(name: t.name, matrix: t.value) }
        try finish(&file, config: config, numUsers: numUsers, numItems: numItems, step: nil, metadata: metadata, to: url)
    }

    /// Adds the metadata every checkpoint carries and writes `file`.
    private static func finish(_ file: inout SafeTensorsFile, config: ModelConfig, numUsers: Int, numItems: Int, step: Int?,
                               metadata: [String: String], to url: URL) throws {
        var meta = metadata
        meta["esans.format"] = formatVersion
        // Sorted keys: the same model gives the same bytes in every process (a plain encoder
        // orders keyed containers by the per-process hash seed).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        meta["esans.model_config"] = String(decoding: try encoder.encode(config), as: UTF8.self)
        meta["esans.num_users"] = String(numUsers)
        meta["esans.num_items"] = String(numItems)
        if let step { meta["esans.step"] = String(step) }
        file.metadata = meta
        try file.write(to: url)
    }

    /// What a checkpoint holds besides tensors.
    public struct Header: Sendable {
        /// The model configuration.
        public let config: ModelConfig
        /// ID-map sizes the model was built for.
        public let numUsers: Int, numItems: Int
        /// Optimiser steps taken (0 when no optimiser state was saved).
        public let step: Int
        /// All string metadata (without the checksums).
        public let metadata: [String: String]
        /// Whether the file carried checksums, all verified; false for a file written before
        /// esans kept them (read unchecked).
        public let checksummed: Bool
    }

    /// Reads the header of the checkpoint at `url`, validating its metadata.
    public static func readHeader(_ file: SafeTensorsFile, url: URL) throws -> Header {
        let meta = file.metadata
        func need(_ key: String) throws -> String {
            guard let v = meta[key] else { throw TensorIOError(url: url, problem: "not an esans checkpoint: metadata '\(key)' is missing") }
            return v
        }
        let configJSON = try need("esans.model_config")
        let config: ModelConfig
        do { config = try JSONDecoder().decode(ModelConfig.self, from: Data(configJSON.utf8)) } catch {
            throw TensorIOError(url: url, problem: "metadata 'esans.model_config' is not a valid model configuration (\(error))")
        }
        guard let users = Int(try need("esans.num_users")), let items = Int(try need("esans.num_items")), users >= 0, items >= 0 else {
            throw TensorIOError(url: url, problem: "metadata 'esans.num_users'/'esans.num_items' are not counts")
        }
        return Header(config: config, numUsers: users, numItems: items, step: Int(meta["esans.step"] ?? "0") ?? 0, metadata: meta,
                      checksummed: file.payloadChecksum != nil)
    }

    /// Loads a model (and the optimiser state into `optimizer`, when given) from `url`.
    public static func load(from url: URL, optimizer: AdamOptimizer? = nil) throws -> (model: TwoTowerModel, header: Header) {
        let file = try SafeTensorsFile.read(from: url)
        let header = try readHeader(file, url: url)
        let model = TwoTowerModel(config: header.config, numUsers: header.numUsers, numItems: header.numItems, seed: 0)
        try copyParameters(file, into: model, optimizer: optimizer, header: header, url: url)
        return (model, header)
    }

    /// Overwrites the parameters of `model` (and the state of `optimizer`, when given) with
    /// those saved at `url`, which must have been written for the same model shape. Returns
    /// the header and the extras.
    @discardableResult
    public static func restore(into model: TwoTowerModel, optimizer: AdamOptimizer?, from url: URL) throws -> (header: Header, extras: [String: [Float]]) {
        let file = try SafeTensorsFile.read(from: url)
        let header = try readHeader(file, url: url)
        guard header.config == model.config, header.numUsers == model.numUsers, header.numItems == model.numItems else {
            throw TensorIOError(url: url, problem: "was saved for another model (\(header.numUsers) users x \(header.numItems) items)")
        }
        try copyParameters(file, into: model, optimizer: optimizer, header: header, url: url)
        return (header, try extras(of: file))
    }

    /// The extras saved with a checkpoint (see ``save(model:optimizer:metadata:extras:to:)``).
    public static func extras(of file: SafeTensorsFile) throws -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for name in file.names where name.hasPrefix("extra/") {
            out[String(name.dropFirst(6))] = try file.matrix(name).array
        }
        return out
    }

    private static func copyParameters(_ file: SafeTensorsFile, into model: TwoTowerModel, optimizer: AdamOptimizer?, header: Header, url: URL) throws {
        for p in model.parameters {
            try copy(file, p.name, into: p.value, url: url)
            if optimizer != nil {
                try copy(file, "adam.m/" + p.name, into: p.m, url: url)
                try copy(file, "adam.v/" + p.name, into: p.v, url: url)
                if p.sparse {
                    let steps = try file.int32s("adam.row_step/" + p.name)
                    guard steps.count == p.rowStep.count else {
                        throw TensorIOError(url: url, tensor: "adam.row_step/" + p.name, problem: "has \(steps.count) entries, expected \(p.rowStep.count)")
                    }
                    p.rowStep = steps
                }
            }
        }
        optimizer?.restore(step: header.step)
        for tower in [model.userTower, model.itemTower] where tower.config.featureDim > 0 {
            let name = tower.name + ".features"
            let f = Matrix(rows: tower.vocabulary, cols: tower.config.featureDim)
            try copy(file, name, into: f, url: url)
            func flags(_ tensor: String) throws -> [Bool]? {
                guard file.names.contains(tensor) else { return nil }
                let values = try file.int32s(tensor)
                guard values.count == tower.vocabulary else {
                    throw TensorIOError(url: url, tensor: tensor, problem: "has \(values.count) entries, expected \(tower.vocabulary)")
                }
                return values.map { $0 != 0 }
            }
            var cold: Matrix? = nil
            if file.names.contains(tower.name + ".cold_features") {
                cold = Matrix(rows: tower.vocabulary, cols: tower.config.featureDim)
                try copy(file, tower.name + ".cold_features", into: cold!, url: url)
            }
            tower.setFeatures(f, present: try flags(tower.name + ".features_present"), cold: cold)
            tower.setIDOmitted(try flags(tower.name + ".id_omitted"))
        }
    }

    private static func copy(_ file: SafeTensorsFile, _ name: String, into target: Matrix, url: URL) throws {
        guard file.names.contains(name) else { throw TensorIOError(url: url, tensor: name, problem: "is missing") }
        let m = try file.matrix(name)
        guard m.rows == target.rows, m.cols == target.cols else {
            throw TensorIOError(url: url, tensor: name, problem: "has shape \(m.rows)x\(m.cols), expected \(target.rows)x\(target.cols)")
        }
        guard m.allFinite else { throw TensorIOError(url: url, tensor: name, problem: "contains NaN or infinite values") }
        target.assign(m)
    }
}
