import Foundation

/// Reads the LightGCN / NGCF text format: a directory with `train.txt` and `test.txt`, one
/// line per user, `user item item ...`, separated by spaces or tabs.
///
/// Ids must be non-negative integers. The numeric id is the index (`externalIDs[i] == "\(i)"`),
/// so contiguous ids come back unchanged; the user and item universes are `0...max id` seen
/// in `train.txt` (unless a k-core filter removes some: then indices are renumbered). A user
/// line without items is allowed, and a user may have several lines.
/// Bytes are scanned directly (no per-token strings), so Gowalla's 810k pairs load in a
/// fraction of a second in release builds.
///
/// Since every id below the largest becomes a user or item (with its id string), the largest
/// ids may exceed the number of ids in the two files by at most ``sparseIDAllowance``; a file
/// with an id of a billion and a few lines is refused instead of filling the memory.
enum LightGCNReader {
    /// Pairs of one file plus the largest user id that has a line and the largest item id,
    /// with where they are (for errors).
    struct Parsed {
        var log: PairLog
        var maxUser: Int
        var maxItem: Int
        /// Line of the largest user id.
        var maxUserLine = 0
        /// Line and field position of the largest item id.
        var maxItemLine = 0, maxItemField = 0
        /// Ids read (users with a line, and items).
        var idCount = 0
    }

    /// How far the largest id may run past the ids read: the universe `0...max id` may hold
    /// at most `16 x ids read + 4096` ids. Real files number their ids densely.
    static func sparseIDAllowance(idsRead: Int) -> Int { 16 * idsRead + 4096 }

    static func load(directory: String, options: LoadOptions) throws -> Dataset {
        let split = options.split ?? .givenFiles
        guard split == .givenFiles else {
            throw DataError(file: directory, message: "the LightGCN format comes split into train.txt and test.txt; "
                                + "only --split given applies (got \(split))")
        }
        let dir = URL(fileURLWithPath: directory)
        let name = options.name ?? dir.lastPathComponent
        if options.coldItems > 0 { throw DataError(file: directory, message: ColdItemHoldout.givenFilesMessage) }
        if options.minRating != nil {
            throw DataError(file: directory, message: "a minimum rating needs a rating column, and LightGCN files "
                                + "('user item item ...' lines) have none")
        }
        let train = try parse(path: dir.appendingPathComponent("train.txt").path)
        let test = try parse(path: dir.appendingPathComponent("test.txt").path)

        var notes: [String] = []
        try checkSparseness(train, test, trainFile: "train.txt", testFile: "test.txt")
        let userSpace = max(train.maxUser, test.maxUser) + 1
        let itemSpace = max(train.maxItem, test.maxItem) + 1
        let users = IDMap.numeric(count: userSpace), items = IDMap.numeric(count: itemSpace)
        let (trainLog, trainRemoved) = try train.log.deduplicated(numUsers: userSpace, dedupe: options.dedupe,
                                                                 userIDs: users, itemIDs: items)
        let (testLog, testRemoved) = try test.log.deduplicated(numUsers: userSpace, dedupe: options.dedupe,
                                                              userIDs: users, itemIDs: items)
        if trainRemoved > 0 { notes.append("collapsed \(trainRemoved) duplicate (user, item) pairs in train.txt") }
        if testRemoved > 0 { notes.append("collapsed \(testRemoved) duplicate (user, item) pairs in test.txt") }
        // The k-core counts train and test together. When it removes anything, the ids are
        // re-indexed compactly (the external ids keep their numbers).
        var logs = [trainLog, testLog]
        let filters = try InteractionFilters.apply(&logs, numUsers: userSpace, numItems: itemSpace, options: options)
        let filtered = filters.contains { $0.interactionsRemoved > 0 }
        if filtered { notes.append("the filters removed users or items: indices are renumbered, ids keep their numbers") }
        var dataset = try DatasetAssembler.assemble(
            name: name, users: users, items: items, train: logs[0], test: logs[1],
            layout: filtered ? .compact : .numeric(userBound: train.maxUser + 1, itemBound: train.maxItem + 1),
            strict: options.strict, notes: notes)
        dataset.filters = filters
        return dataset
    }

    /// Throws when the largest user or item id of the two files is far above the number of
    /// ids they hold (see ``sparseIDAllowance(idsRead:)``), naming the file, line and field.
    static func checkSparseness(_ train: Parsed, _ test: Parsed, trainFile: String, testFile: String) throws {
        let idsRead = train.idCount + test.idCount
        let limit = sparseIDAllowance(idsRead: idsRead)
        func refuse(_ role: String, _ id: Int, _ file: String, _ line: Int, _ field: Int) -> DataError {
            DataError(file: file, line: line, field: DataError.fieldLabel(field, "\(role) id"),
                      message: "\(role) id \(id) is far above the \(idsRead) ids of \(trainFile) and \(testFile): LightGCN ids "
                          + "number users and items 0, 1, 2, ..., and this one would make \(id + 1) \(role)s (at most \(limit) "
                          + "here); renumber the ids densely")
        }
        let user = train.maxUser >= test.maxUser ? (train, trainFile) : (test, testFile)
        if user.0.maxUser >= limit { throw refuse("user", user.0.maxUser, user.1, user.0.maxUserLine, 1) }
        let item = train.maxItem >= test.maxItem ? (train, trainFile) : (test, testFile)
        if item.0.maxItem >= limit { throw refuse("item", item.0.maxItem, item.1, item.0.maxItemLine, item.0.maxItemField) }
    }

    /// Parses one LightGCN file.
    static func parse(path: String) throws -> Parsed {
        let bytes = try ByteParsing.readFile(path)
        let file = URL(fileURLWithPath: path).lastPathComponent
        return try bytes.withUnsafeBufferPointer { try parse(bytes: $0, file: file) }
    }

    /// Parses LightGCN text held in memory; `file` names it in errors.
    static func parse(bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> Parsed {
        guard !ByteParsing.isBlank(bytes) else {
            throw DataError(file: file, message: "file is empty (expected lines of 'user item item ...')")
        }
        var log = PairLog(file: file, userField: DataError.fieldLabel(1, "user id"), itemField: "item id")
        let estimate = bytes.count / 6
        log.users.reserveCapacity(estimate)
        log.items.reserveCapacity(estimate)
        log.lines.reserveCapacity(estimate)
        var fieldNumbers = [Int32]()
        fieldNumbers.reserveCapacity(estimate)
        var maxUser = -1, maxItem = -1
        var maxUserLine = 0, maxItemLine = 0, maxItemField = 0, idCount = 0

        try ByteParsing.forEachLine(bytes) { lineNumber, start, end in
            var k = start
            var field = 0
            var user: Int32 = 0
            while true {
                while k < end && ByteParsing.isSpace(bytes[k]) { k += 1 }
                if k >= end { break }
                let tokenStart = k
                while k < end && !ByteParsing.isSpace(bytes[k]) { k += 1 }
                field += 1
                let role = field == 1 ? "user id" : "item id"
                let value: Int32
                switch ByteParsing.parseID(bytes, tokenStart, k) {
                case .value(let v): value = v
                case .notInteger:
                    throw DataError(file: file, line: lineNumber, field: DataError.fieldLabel(field, role),
                                    message: "\(DataError.quote(ByteParsing.string(bytes, tokenStart, k))) is not a non-negative integer")
                case .tooLarge:
                    throw DataError(file: file, line: lineNumber, field: DataError.fieldLabel(field, role),
                                    message: "\(DataError.quote(ByteParsing.string(bytes, tokenStart, k))) is too large "
                                        + "(ids must be below \(Int32.max))")
                }
                idCount += 1
                if field == 1 {
                    user = value
                    if Int(value) > maxUser { maxUser = Int(value); maxUserLine = lineNumber }
                } else {
                    log.users.append(user)
                    log.items.append(value)
                    log.lines.append(Int32(truncatingIfNeeded: lineNumber))
                    fieldNumbers.append(Int32(truncatingIfNeeded: field))
                    if Int(value) > maxItem { maxItem = Int(value); maxItemLine = lineNumber; maxItemField = field }
                }
            }
        }
        log.itemFieldNumbers = fieldNumbers
        return Parsed(log: log, maxUser: maxUser, maxItem: maxItem, maxUserLine: maxUserLine,
                      maxItemLine: maxItemLine, maxItemField: maxItemField, idCount: idCount)
    }
}
