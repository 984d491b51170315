/// Turns train and test logs with provisional indices into a ``Dataset``: drops (or, in
/// strict mode, rejects) test pairs whose user or item is unseen in training or that repeat
/// a train pair, re-indexes, and builds the CSR lists. Internal to the loaders.
enum DatasetAssembler {
    /// How final indices relate to provisional ones.
    enum Layout {
        /// Keep only users/items with at least one train pair, in provisional (first-seen) order.
        case compact
        /// Keep indices as they are; the universe is `0..<userBound` and `0..<itemBound`.
        case numeric(userBound: Int, itemBound: Int)
    }

    /// `heldOut`: provisional items held out of training on purpose (``ColdItemHoldout``), whose
    /// test pairs strict mode accepts.
    static func assemble(name: String, users: IDMap, items: IDMap, train: PairLog, test: PairLog,
                         layout: Layout, strict: Bool, notes: [String], heldOut: Set<Int32> = []) throws -> Dataset {
        var notes = notes
        let userSpace = users.count, itemSpace = items.count
        var userTrain = [Int](repeating: 0, count: userSpace)
        var itemTrain = [Int](repeating: 0, count: itemSpace)
        for k in 0..<train.count {
            userTrain[Int(train.users[k])] += 1
            itemTrain[Int(train.items[k])] += 1
        }

        // Final index of every provisional index (-1: not kept).
        var userMap = [Int32](repeating: -1, count: userSpace)
        var itemMap = [Int32](repeating: -1, count: itemSpace)
        var finalUsers: IDMap
        var finalItems: IDMap
        switch layout {
        case .compact:
            finalUsers = IDMap(); finalItems = IDMap()
            for u in 0..<userSpace where userTrain[u] > 0 { userMap[u] = Int32(finalUsers.intern(users[u])) }
            for i in 0..<itemSpace where itemTrain[i] > 0 { itemMap[i] = Int32(finalItems.intern(items[i])) }
        case .numeric(let userBound, let itemBound):
            for u in 0..<min(userBound, userSpace) { userMap[u] = Int32(u) }
            for i in 0..<min(itemBound, itemSpace) { itemMap[i] = Int32(i) }
            finalUsers = IDMap(users.externalIDs.prefix(userBound))
            finalItems = IDMap(items.externalIDs.prefix(itemBound))
            precondition(finalUsers.count == userBound && finalItems.count == itemBound)
        }
        let numUsers = finalUsers.count, numItems = finalItems.count

        let trainSet = Interactions.fromPairs(
            numUsers: numUsers, numItems: numItems,
            users: train.users.map { userMap[Int($0)] }, items: train.items.map { itemMap[Int($0)] })

        // Filter test pairs.
        var keep = [Bool](repeating: true, count: test.count)
        var droppedUsers = Set<Int32>(), droppedItems = Set<Int32>()
        var droppedUnseen = 0, droppedOverlap = 0
        // Test pairs of seen users with items outside the item map: the cold-item evaluation's.
        var coldUsers: [Int32] = [], coldItems: [Int32] = []
        for k in 0..<test.count {
            let u = test.users[k], i = test.items[k]
            let userSeen = userTrain[Int(u)] > 0 && userMap[Int(u)] >= 0
            let itemSeen = itemTrain[Int(i)] > 0 && itemMap[Int(i)] >= 0
            if userSeen && itemMap[Int(i)] < 0 { coldUsers.append(userMap[Int(u)]); coldItems.append(i) }
            if !userSeen || !itemSeen {
                if strict && !(userSeen && heldOut.contains(i)) {
                    let (field, role, id) = !userSeen ? (test.userField, "user", users[Int(u)])
                                                      : (test.itemFieldLabel(k), "item", items[Int(i)])
                    throw DataError(file: test.file, line: Int(test.lines[k]), field: field,
                                    message: "test \(role) \(DataError.quote(id)) never occurs in the training data "
                                        + "(strict mode; without it such test pairs are dropped)")
                }
                if !userSeen { droppedUsers.insert(u) }
                if !itemSeen { droppedItems.insert(i) }
                droppedUnseen += 1
                keep[k] = false
            } else if trainSet.contains(user: Int(userMap[Int(u)]), item: itemMap[Int(i)]) {
                if strict {
                    throw DataError(file: test.file, line: Int(test.lines[k]), field: test.itemFieldLabel(k),
                                    message: "test pair (user \(DataError.quote(users[Int(u)])), item "
                                        + "\(DataError.quote(items[Int(i)]))) also occurs in the training data (strict mode)")
                }
                droppedOverlap += 1
                keep[k] = false
            }
        }
        if droppedUnseen > 0 {
            notes.append("dropped \(DatasetInfo.grouped(droppedUnseen)) test interactions whose user or item never occurs "
                         + "in training: \(droppedUsers.count) test users, \(droppedItems.count) test items never seen in training"
                         + (coldUsers.isEmpty ? "" : " (the \(DatasetInfo.grouped(coldUsers.count)) of seen users with unseen items are kept aside "
                            + "for the cold-item evaluation)"))
        }
        if droppedOverlap > 0 {
            notes.append("dropped \(DatasetInfo.grouped(droppedOverlap)) test interactions that also occur in training")
        }
        var testUsers = [Int32](), testItems = [Int32]()
        testUsers.reserveCapacity(test.count)
        testItems.reserveCapacity(test.count)
        for k in 0..<test.count where keep[k] {
            testUsers.append(userMap[Int(test.users[k])])
            testItems.append(itemMap[Int(test.items[k])])
        }
        let testSet = Interactions.fromPairs(numUsers: numUsers, numItems: numItems, users: testUsers, items: testItems)
        let without = (0..<itemSpace).filter { itemMap[$0] < 0 }
        var coldIndex = [Int32](repeating: -1, count: itemSpace)
        for (c, i) in without.enumerated() { coldIndex[i] = Int32(c) }
        var dataset = Dataset(name: name, users: finalUsers, items: finalItems, train: trainSet, test: testSet, notes: notes,
                              itemsWithoutTraining: without.map { items[$0] })
        if !coldUsers.isEmpty {
            dataset.coldTest = Interactions.fromPairs(numUsers: numUsers, numItems: without.count, users: coldUsers,
                                                      items: coldItems.map { coldIndex[Int($0)] })
        }
        return dataset
    }

    /// Splits one log with `split` (the one `options` asks for, or the format's default) and
    /// assembles the result (compact layout).
    static func assembleSplitting(name: String, users: IDMap, items: IDMap, log: PairLog, split: Split,
                                  options: LoadOptions, notes: [String]) throws -> Dataset {
        var notes = notes
        let (clean, removed) = try log.deduplicated(numUsers: users.count, dedupe: options.dedupe, userIDs: users, itemIDs: items)
        if removed > 0 { notes.append("collapsed \(removed) duplicate (user, item) pairs in \(log.file)") }
        var logs = [clean]
        let filters = try InteractionFilters.apply(&logs, numUsers: users.count, numItems: items.count, options: options)
        let kept = logs[0]
        var (isTest, splitNotes) = try SplitEngine.assignTest(kept, numUsers: users.count, split: split,
                                                              requested: options.split != nil, seed: options.seed)
        notes += splitNotes
        var heldOut: Set<Int32> = []
        if options.coldItems > 0 {
            let holdout = ColdItemHoldout.apply(kept, isTest: &isTest, numItems: items.count, fraction: options.coldItems, seed: options.seed)
            heldOut = holdout.items
            notes.append(holdout.note)
        }
        let train = kept.filtered(isTest.map { !$0 })
        let test = kept.filtered(isTest)
        var dataset = try assemble(name: name, users: users, items: items, train: train, test: test,
                                   layout: .compact, strict: options.strict, notes: notes, heldOut: heldOut)
        dataset.filters = filters
        return dataset
    }
}
