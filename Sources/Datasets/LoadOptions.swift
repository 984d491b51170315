/// A column of a delimited or atomic file, by header name or by 0-based position.
public enum ColumnRef: Sendable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// The column whose header is this name (exact match).
    case name(String)
    /// The column at this 0-based position.
    case index(Int)

    /// A string literal names a column.
    public init(stringLiteral value: String) { self = .name(value) }
    /// An integer literal is a 0-based position.
    public init(integerLiteral value: Int) { self = .index(value) }

    /// Reads command-line text: all digits is a position, anything else a name.
    public init(parsing text: String) {
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) {
            self = .index(value)
        } else {
            self = .name(text)
        }
    }

    /// `'name'` or `#index`.
    public var description: String {
        switch self {
        case .name(let n): return "'\(n)'"
        case .index(let i): return "#\(i)"
        }
    }
}

/// Which columns hold the user id, item id, (optional) timestamp and (optional) rating.
///
/// A nil entry is found by name, never guessed: for RecBole the fields `user_id`, `item_id`,
/// `timestamp` and `rating`; for CSV/TSV with a header the one column named
/// (case-insensitively) `user_id`/`userid`/`user`, `item_id`/`itemid`/`item`,
/// `timestamp`/`time`/`ts` and `rating`. A user or item id column that no header name marks
/// (or that several mark) refuses the file, naming the header's columns; a timestamp without
/// one is absent. Without a header the user and item are columns 0 and 1. No two roles may
/// share a column. The rating is read only for ``LoadOptions/minRating``.
public struct ColumnMapping: Sendable, Equatable {
    /// The user id column.
    public var user: ColumnRef?
    /// The item id column.
    public var item: ColumnRef?
    /// The timestamp column (numbers or ISO 8601 dates), if any.
    public var timestamp: ColumnRef?
    /// The rating column (numbers), read when a minimum rating filters the interactions.
    public var rating: ColumnRef?

    /// A mapping; nil entries are chosen automatically.
    public init(user: ColumnRef? = nil, item: ColumnRef? = nil, timestamp: ColumnRef? = nil, rating: ColumnRef? = nil) {
        self.user = user
        self.item = item
        self.timestamp = timestamp
        self.rating = rating
    }
}

/// Options for ``DatasetLoader/load(path:options:)``. The defaults suit each format.
public struct LoadOptions: Sendable {
    /// The file layout; nil detects it from the path (see ``DataFormat/detect(path:)``).
    public var format: DataFormat?
    /// The split; nil uses the format's ``DataFormat/defaultSplit``.
    public var split: Split?
    /// Throw instead of dropping test users/items/pairs that are unseen in training or also in training.
    public var strict: Bool
    /// Collapse duplicate (user, item) pairs (keeping the first line) instead of throwing.
    public var dedupe: Bool
    /// Seed for random splits and validation carving.
    public var seed: UInt64
    /// Column mapping for CSV, TSV and RecBole.
    public var columns: ColumnMapping
    /// Whether a CSV/TSV file starts with a header line.
    public var header: Bool
    /// Field separator for CSV/TSV (one or more characters, e.g. `::`); nil means `,` or tab.
    public var delimiter: String?
    /// When above 0, this share of each user's train items is moved to validation after loading.
    public var validationFraction: Double
    /// Data set name; nil uses the directory or file name.
    public var name: String?
    /// Keep only interactions whose rating is at least this (nil: no rating filter). Needs a
    /// rating column (see ``ColumnMapping/rating``); applied after duplicates are handled and
    /// before the k-core filter and the split.
    public var minRating: Double?
    /// When above 0, drop users and items with fewer than this many interactions, again and
    /// again until none is left (the k-core), before the split (1 removes nothing). For files that come split
    /// (LightGCN, RecBole's train/test files) the count is over all files together.
    public var kCore: Int
    /// When above 0, this share of the items is held out of training entirely after the split:
    /// all their interactions go to test (``Dataset/coldTest``), seeded by ``seed`` (single-file
    /// splits only; see ``ColdItemHoldout``).
    public var coldItems: Double = 0

    /// Options with defaults: format and split chosen from the path, lenient, no dedupe,
    /// seed 0, automatic columns, header present, no validation, no filters.
    public init(format: DataFormat? = nil, split: Split? = nil, strict: Bool = false, dedupe: Bool = false,
                seed: UInt64 = 0, columns: ColumnMapping = ColumnMapping(), header: Bool = true,
                delimiter: String? = nil, validationFraction: Double = 0, name: String? = nil,
                minRating: Double? = nil, kCore: Int = 0) {
        self.format = format
        self.split = split
        self.strict = strict
        self.dedupe = dedupe
        self.seed = seed
        self.columns = columns
        self.header = header
        self.delimiter = delimiter
        self.validationFraction = validationFraction
        self.name = name
        self.minRating = minRating
        self.kCore = kCore
    }
}
