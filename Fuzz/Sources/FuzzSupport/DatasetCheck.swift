import Datasets

/// Properties every loaded ``Dataset`` has, whatever the input: checked after each load that
/// succeeds, so a reader that accepts a file but builds something broken is a finding too.
public enum DatasetCheck {
    /// Stops the fuzzer when `dataset` breaks an invariant of ``Interactions`` or ``IDMap``,
    /// or keeps a test pair that is also a training pair.
    public static func verify(_ dataset: Dataset) {
        var splits = [("train", dataset.train), ("test", dataset.test)]
        if let v = dataset.validation { splits.append(("validation", v)) }
        for (name, x) in splits {
            require(x.numUsers == dataset.numUsers && x.numItems == dataset.numItems,
                    "\(name) is \(x.numUsers) x \(x.numItems), the id maps \(dataset.numUsers) x \(dataset.numItems)")
            require(x.offsets.count == x.numUsers + 1 && x.offsets.first == 0 && x.offsets.last == x.items.count,
                    "\(name) offsets do not describe \(x.items.count) items")
            for u in 0..<x.numUsers {
                require(x.offsets[u] <= x.offsets[u + 1], "\(name) offsets decrease at user \(u)")
                let list = x.items(of: u)
                for (a, b) in zip(list, list.dropFirst()) { require(a < b, "\(name) list of user \(u) not strictly ascending") }
                for i in list { require(i >= 0 && Int(i) < x.numItems, "\(name) item \(i) out of range") }
            }
        }
        for u in 0..<dataset.numUsers {
            for i in dataset.test.items(of: u) {
                require(!dataset.train.contains(user: u, item: i), "test pair (\(u), \(i)) is also a training pair")
            }
        }
        require(Set(dataset.users.externalIDs).count == dataset.numUsers, "repeated user ids")
        require(Set(dataset.items.externalIDs).count == dataset.numItems, "repeated item ids")
        _ = dataset.fingerprint
    }

    /// Whether `error` is one the data loaders document.
    public static func isDataError(_ error: Error) -> Bool { error is DataError }
}
