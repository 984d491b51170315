import Foundation
import NumCore
import Clustering

/// The two-level vector quantiser of MSAC (spec 2(c)): a primary codebook C1 over the fused
/// item vectors and one shared secondary codebook C2 over the per-modality residuals.
///
/// - Primary: k-means (k-means++ seeding) with `Kp` centroids on the fused vectors
///   m_i = mean over the modalities item i has; c1(i) is its cluster.
/// - Secondary: k-means with `Ks` centroids on r_i = concat_m (f_i^m - C1[c1(i)]), an
///   `M * d` vector. **A modality the item lacks contributes a zero block** (as if its vector
///   were exactly the primary centroid), so missing modalities add nothing to the distances
///   of that block beyond the centroid's own entries. c2(i) is its cluster.
/// - The semantic ID of item i is (c1(i), c2(i)); see ``SemanticIDs``.
public struct CascadedCodebooks: @unchecked Sendable {
    /// `Kp x d` primary centroids (the fused space).
    public let primary: Matrix
    /// `Ks x (M * d)` secondary centroids (concatenated residual blocks, modality order).
    public let secondary: Matrix
    /// Names of the `M` modalities, in residual-block order.
    public let modalityNames: [String]

    /// Number of primary codes.
    public var kp: Int { primary.rows }
    /// Number of secondary codes.
    public var ks: Int { secondary.rows }
    /// Dimension `d` of the common (aligned) space.
    public var dimension: Int { primary.cols }

    /// Codebooks from their centroid matrices (`secondary.cols` must be `M * primary.cols`).
    public init(primary: Matrix, secondary: Matrix, modalityNames: [String]) {
        precondition(!modalityNames.isEmpty, "at least one modality")
        precondition(secondary.cols == modalityNames.count * primary.cols,
                     "secondary width \(secondary.cols) != \(modalityNames.count) modalities x \(primary.cols)")
        self.primary = primary
        self.secondary = secondary
        self.modalityNames = modalityNames
    }

    /// The outcome of ``fit(fused:modalities:available:modalityNames:kp:ks:maxIterations:restarts:seed:pool:)``.
    public struct Fit: @unchecked Sendable {
        /// The two codebooks.
        public let codebooks: CascadedCodebooks
        /// The codes of the clustered items.
        public let ids: SemanticIDs
        /// Final k-means objective of the primary level.
        public let primaryObjective: Double
        /// Final k-means objective of the secondary level.
        public let secondaryObjective: Double

        /// A fit from its parts (a warm-started refit, `CodebookRefresh` in Semantic, builds one).
        public init(codebooks: CascadedCodebooks, ids: SemanticIDs, primaryObjective: Double, secondaryObjective: Double) {
            self.codebooks = codebooks
            self.ids = ids
            self.primaryObjective = primaryObjective
            self.secondaryObjective = secondaryObjective
        }
    }

    /// The fused vector of every item: the mean of the modality vectors it has.
    /// - Parameters:
    ///   - modalities: `M` matrices, each `n x d`, row i = item i.
    ///   - available: `available[m][i]` says whether item i has modality m; `nil` = all.
    ///     An item with no modality at all gets a zero vector.
    public static func fuse(modalities: [Matrix], available: [[Bool]]? = nil) -> Matrix {
        precondition(!modalities.isEmpty, "at least one modality")
        let n = modalities[0].rows, d = modalities[0].cols
        let out = Matrix(rows: n, cols: d)
        for i in 0..<n {
            var present = 0
            for (m, f) in modalities.enumerated() where available?[m][i] ?? true {
                VectorMath.axpy(1, f.row(i), out.row(i), d)
                present += 1
            }
            if present > 1 { VectorMath.scale(out.row(i), d, by: 1 / Float(present)) }
        }
        return out
    }

    /// Residual matrix `n x (M * d)`: block m of row i is `f_i^m - C1[primary[i]]`, or zeros
    /// when item i lacks modality m.
    public static func residuals(modalities: [Matrix], available: [[Bool]]?, primaryCentroids: Matrix, primary: [Int32]) -> Matrix {
        let n = primary.count, d = primaryCentroids.cols, mCount = modalities.count
        let out = Matrix(rows: n, cols: mCount * d)
        for i in 0..<n {
            let c = primaryCentroids.row(Int(primary[i]))
            for (m, f) in modalities.enumerated() where available?[m][i] ?? true {
                let dst = out.row(i) + m * d, src = f.row(i)
                for j in 0..<d { dst[j] = src[j] - c[j] }
            }
        }
        return out
    }

    /// Learns both codebooks and codes the items.
    /// - Parameters:
    ///   - fused: `n x d`, the fused vector of every item (see ``fuse(modalities:available:)``).
    ///   - modalities: `M` aligned modality matrices, each `n x d` (rows of missing modalities
    ///     are ignored).
    ///   - available: `available[m][i]` = item i has modality m; `nil` = every item has all.
    ///   - modalityNames: names for the residual blocks (default `m0`, `m1`, ...).
    ///   - kp, ks: codebook sizes.
    ///   - seed: the primary k-means uses `seed`, the secondary `seed + 1`.
    ///   - progress: told each level's k-means iterations (level 0 primary, 1 secondary; see
    ///     ``KMeans/fit(_:pool:progress:)``).
    public static func fit(
        fused: Matrix, modalities: [Matrix], available: [[Bool]]? = nil, modalityNames: [String]? = nil,
        kp: Int, ks: Int, maxIterations: Int = 20, restarts: Int = 1, seed: UInt64 = 1,
        pool: WorkerPool = .shared, progress: ((_ level: Int, _ done: Int, _ total: Int) -> Void)? = nil
    ) -> Fit {
        let n = fused.rows, d = fused.cols
        precondition(!modalities.isEmpty, "at least one modality")
        for f in modalities { precondition(f.rows == n && f.cols == d, "modality matrix \(f.rows)x\(f.cols), fused \(n)x\(d)") }
        if let available {
            precondition(available.count == modalities.count && available.allSatisfy { $0.count == n },
                         "availability mask must be \(modalities.count) x \(n)")
        }
        let names = modalityNames ?? (0..<modalities.count).map { "m\($0)" }
        precondition(names.count == modalities.count, "one name per modality")
        let first = KMeans(k: kp, maxIterations: maxIterations, restarts: restarts, seed: seed)
            .fit(fused, pool: pool, progress: progress.map { report in { report(0, $0, $1) } })
        let r = residuals(modalities: modalities, available: available, primaryCentroids: first.centroids, primary: first.assignments)
        let second = KMeans(k: ks, maxIterations: maxIterations, restarts: restarts, seed: seed &+ 1)
            .fit(r, pool: pool, progress: progress.map { report in { report(1, $0, $1) } })
        let codebooks = CascadedCodebooks(primary: first.centroids, secondary: second.centroids, modalityNames: names)
        let ids = SemanticIDs(primary: first.assignments, secondary: second.assignments, kp: kp, ks: ks)
        return Fit(codebooks: codebooks, ids: ids, primaryObjective: first.objective, secondaryObjective: second.objective)
    }

    /// Codes of an item that was not clustered: the nearest primary centroid of its fused
    /// vector (mean of the modalities it has), then the nearest secondary centroid of its
    /// residual (zero blocks for missing modalities). Ties go to the lowest code.
    /// - Parameter modalityVectors: one entry per modality, `nil` when the item lacks it;
    ///   at least one must be present, each of length `d`.
    public func assignNew(modalityVectors: [[Float]?]) -> (primary: Int32, secondary: Int32) {
        let d = dimension
        precondition(modalityVectors.count == modalityNames.count, "expected \(modalityNames.count) modality vectors")
        var fused = [Float](repeating: 0, count: d)
        var present = 0
        for v in modalityVectors {
            guard let v else { continue }
            precondition(v.count == d, "modality vector of length \(v.count), expected \(d)")
            for j in 0..<d { fused[j] += v[j] }
            present += 1
        }
        precondition(present > 0, "the item has no modality vector")
        if present > 1 { for j in 0..<d { fused[j] /= Float(present) } }
        let p = CascadedCodebooks.nearest(fused, in: primary)
        var residual = [Float](repeating: 0, count: secondary.cols)
        let c = primary.row(p)
        for (m, v) in modalityVectors.enumerated() {
            guard let v else { continue }
            for j in 0..<d { residual[m * d + j] = v[j] - c[j] }
        }
        let s = CascadedCodebooks.nearest(residual, in: secondary)
        return (Int32(p), Int32(s))
    }

    /// Row of `centroids` nearest to `v` in squared Euclidean distance (lowest index on ties).
    static func nearest(_ v: [Float], in centroids: Matrix) -> Int {
        var best = 0
        var bestDist = Float.infinity
        v.withUnsafeBufferPointer { vb in
            for r in 0..<centroids.rows {
                let dist = KMeans.squaredDistance(vb.baseAddress!, centroids.row(r), v.count)
                if dist < bestDist { bestDist = dist; best = r }
            }
        }
        return best
    }

    /// Squared Euclidean distances between the rows of `c` (`k x k`), summed in column order.
    public static func squaredDistances(_ c: Matrix) -> Matrix {
        let k = c.rows
        let out = Matrix(rows: k, cols: k)
        for i in 0..<k {
            for j in 0..<k {
                var s: Float = 0
                for t in 0..<c.cols { let d = c[i, t] - c[j, t]; s += d * d }
                out[i, j] = s
            }
        }
        return out
    }

    // MARK: Persistence

    /// Saves the codebooks (tensors `primary_centroids`, `secondary_centroids`; metadata
    /// `format`, `kp`, `ks`, `dimension`, `modalities`) and, when given, the item codes
    /// (`primary_codes`, `secondary_codes`) as a safetensors file, atomically.
    /// `extraTensors`, `extraInt32` and `extraMetadata` (e.g. the alignment projections and the MSAC
    /// configuration written by `esans cluster`) are stored alongside and ignored by ``read(from:)``.
    public func write(to url: URL, ids: SemanticIDs? = nil, extraTensors: [(name: String, matrix: Matrix)] = [],
                      extraInt32: [(name: String, values: [Int32])] = [], extraMetadata: [String: String] = [:]) throws {
        var file = SafeTensorsFile()
        file.metadata = extraMetadata.merging([
            "format": "esans-cascaded-codebooks-v1",
            "kp": String(kp), "ks": String(ks), "dimension": String(dimension),
            "modalities": modalityNames.joined(separator: ","),
        ]) { _, mine in mine }
        for t in extraTensors { file.add(name: t.name, matrix: t.matrix) }
        for t in extraInt32 { file.add(name: t.name, int32: t.values) }
        file.add(name: "primary_centroids", matrix: primary)
        file.add(name: "secondary_centroids", matrix: secondary)
        if let ids {
            file.add(name: "primary_codes", int32: ids.primary)
            file.add(name: "secondary_codes", int32: ids.secondary)
        }
        try file.write(to: url)
    }

    /// Loads codebooks written by ``write(to:ids:)``, with the item codes when the file has them.
    /// - Throws: ``TensorIOError`` when the file is not a codebook file or its shapes disagree.
    public static func read(from url: URL) throws -> (codebooks: CascadedCodebooks, ids: SemanticIDs?) {
        try read(SafeTensorsFile.read(from: url), from: url)
    }

    /// The codebooks (and item codes) of `file`, already read from `url`; as ``read(from:)``.
    public static func read(_ file: SafeTensorsFile, from url: URL) throws -> (codebooks: CascadedCodebooks, ids: SemanticIDs?) {
        guard file.metadata["format"] == "esans-cascaded-codebooks-v1" else {
            throw TensorIOError(url: url, problem: "not a cascaded-codebook file (metadata 'format' is \(file.metadata["format"] ?? "missing"))")
        }
        let primary = try file.matrix("primary_centroids")
        let secondary = try file.matrix("secondary_centroids")
        let names = (file.metadata["modalities"] ?? "").split(separator: ",").map(String.init)
        guard !names.isEmpty, secondary.cols == names.count * primary.cols else {
            throw TensorIOError(url: url, tensor: "secondary_centroids",
                                problem: "width \(secondary.cols) does not match \(names.count) modalities x \(primary.cols)")
        }
        let codebooks = CascadedCodebooks(primary: primary, secondary: secondary, modalityNames: names)
        guard file.names.contains("primary_codes") else { return (codebooks, nil) }
        let p = try file.int32s("primary_codes"), s = try file.int32s("secondary_codes")
        guard p.count == s.count,
              p.allSatisfy({ $0 >= 0 && Int($0) < primary.rows }),
              s.allSatisfy({ $0 >= 0 && Int($0) < secondary.rows }) else {
            throw TensorIOError(url: url, tensor: "primary_codes", problem: "codes out of range or of different lengths")
        }
        return (codebooks, SemanticIDs(primary: p, secondary: s, kp: primary.rows, ks: secondary.rows))
    }
}
