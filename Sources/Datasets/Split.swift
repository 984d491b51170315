import NumCore

/// How interactions are divided into train and test.
///
/// The ratio is the **train** share per user. Every user keeps at least one train
/// interaction; a user with at least two interactions gets at least one test interaction
/// when the ratio is below 1 (RecBole's rounding: `test = floor((1 - ratio) * n)`, raised to 1
/// when that is 0 and `n >= 2`).
public enum Split: Sendable, Equatable, CustomStringConvertible, Codable {
    /// Use the separate train and test files (LightGCN `train.txt`/`test.txt`, RecBole
    /// `NAME.train.inter`/`NAME.test.inter`).
    case givenFiles
    /// Each user's latest interaction goes to test (ties: the later line); users with a
    /// single interaction stay train-only. Without timestamps, file order decides.
    case leaveOneOutByTime
    /// Each user's earliest `ratio` share (by timestamp, ties by file order) goes to train,
    /// the rest to test. Without timestamps it is refused when asked for; as a format's
    /// default split it becomes ``randomRatio(_:)``, with a note.
    case ratioByTime(Double)
    /// A random `ratio` share of each user's interactions goes to train (seeded).
    case randomRatio(Double)

    /// Parses `given`, `loo`, `time:0.8` or `random:0.8` (the forms ``description`` prints).
    public init?(parsing text: String) {
        let lower = text.lowercased()
        switch lower {
        case "given", "givenfiles", "files": self = .givenFiles; return
        case "loo", "leave-one-out", "leaveoneout": self = .leaveOneOutByTime; return
        default: break
        }
        let parts = lower.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let ratio = Double(parts[1]), ratio > 0, ratio <= 1 else { return nil }
        switch parts[0] {
        case "time", "ratio", "ratiobytime": self = .ratioByTime(ratio)
        case "random", "randomratio": self = .randomRatio(ratio)
        default: return nil
        }
    }

    /// A short form such as `time:0.8`, accepted by ``init(parsing:)``.
    public var description: String {
        switch self {
        case .givenFiles: return "given"
        case .leaveOneOutByTime: return "loo"
        case .ratioByTime(let r): return "time:\(r)"
        case .randomRatio(let r): return "random:\(r)"
        }
    }

    /// The forms ``init(parsing:)`` accepts, for messages.
    public static let acceptedForms = "given, loo, time:RATIO or random:RATIO with RATIO in (0, 1], e.g. time:0.8"

    /// The split written as `text`, or an error that says which forms are accepted.
    public static func named(_ text: String) throws -> Split {
        guard let s = Split(parsing: text) else { throw UnknownSettingValue(message: "unknown split '\(text)' (accepted: \(acceptedForms))") }
        return s
    }

    /// Decodes the short form (`time:0.8`).
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let s = Split(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown split '\(text)' (accepted: \(Self.acceptedForms))")
        }
        self = s
    }

    /// Encodes the short form (`time:0.8`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Test count for a user with `n` interactions under train share `ratio`.
    static func testCount(total n: Int, trainRatio ratio: Double) -> Int {
        guard n >= 2, ratio < 1 else { return 0 }
        var test = Int(((1 - ratio) * Double(n)) + 1e-9)
        if test == 0 { test = 1 }
        return min(test, n - 1)
    }
}
