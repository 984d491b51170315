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

    /// Reads an existing log (for `--resume`).
    public static func read(from url: URL) throws -> MetricsLog {
        let data = try Data(contentsOf: url)
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TensorIOError(url: url, problem: "is not a JSON object")
        }
        var log = MetricsLog()
        for e in obj["epochs"] as? [[String: Any]] ?? [] {
            log.epochs.append(e.compactMapValues { ($0 as? NSNumber)?.doubleValue })
        }
        log.final = (obj["final"] as? [String: Any])?.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        log.info = (obj["run"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
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
