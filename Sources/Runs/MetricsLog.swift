import Foundation
import NumCore

/// `RUNDIR/metrics.json`: one entry per epoch and a final entry, written atomically after
/// every epoch so that a killed run keeps what it finished.
public struct MetricsLog: Sendable {
    /// Per-epoch entries (key -> number), in epoch order.
    public var epochs: [[String: Double]] = []
    /// The final entry, once the run has finished.
    public var final: [String: Double]? = nil
    /// Description of the run (dataset sizes, configuration), stored as given.
    public var info: [String: String] = [:]

    /// An empty log.
    public init() {}

    /// Reads an existing log (for `--resume`). Decoded with `JSONDecoder`, which reads
    /// numbers back exactly (Foundation's `JSONSerialization` on Linux can be one ulp off).
    public static func read(from url: URL) throws -> MetricsLog {
        struct Stored: Decodable {
            var epochs: [[String: Double]]
            var final: [String: Double]?
            var run: [String: String]?
        }
        let stored: Stored
        do { stored = try JSONDecoder().decode(Stored.self, from: FileData.read(url)) } catch {
            throw TensorIOError(url: url, problem: "is not a metrics log written by esans (\(error))")
        }
        var log = MetricsLog()
        log.epochs = stored.epochs
        log.final = stored.final
        log.info = stored.run ?? [:]
        return log
    }

    /// Writes the log as pretty-printed JSON with sorted keys, atomically.
    public func write(to url: URL) throws {
        var obj: [String: Any] = ["epochs": epochs, "run": info]
        if let final { obj["final"] = final }
        let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: url)
    }
}
