import NumCore

extension Dataset {
    /// A fingerprint of the data, 16 hex digits (``Checksum64`` of the id maps, the
    /// interactions known in training, i.e. train plus any validation carved from it, and the
    /// test split). Files built from a dataset record it (checkpoints, MSAC outputs, IVF
    /// indexes), so that a file built from other data is refused where it must match.
    ///
    /// Carving a validation split does not change it (the carved pairs stay among the known
    /// ones); another file, a changed line, another split or another split seed does.
    public var fingerprint: String {
        precondition(loadedShards == nil, "the fingerprint of part of a sharded directory is not the data's: use ShardedDirectory.fingerprint")
        var c = Checksum64()
        Self.mix(&c, Array("esans-data-v1".utf8))
        Self.mix(&c, users)
        Self.mix(&c, items)
        Self.mix(&c, knownInteractions)
        Self.mix(&c, test)
        return Checksum64.hex(c.value)
    }

    static func mix(_ c: inout Checksum64, _ count: Int) {
        withUnsafeBytes(of: UInt64(count).littleEndian) { c.update($0) }
    }

    static func mix(_ c: inout Checksum64, _ bytes: [UInt8]) {
        mix(&c, bytes.count)
        c.update(bytes)
    }

    /// Every id, length-prefixed, so that no two maps hash alike by shifting a boundary.
    static func mix(_ c: inout Checksum64, _ ids: IDMap) {
        mix(&c, ids.count)
        for id in ids.externalIDs { mix(&c, Array(id.utf8)) }
    }

    private static func mix(_ c: inout Checksum64, _ x: Interactions) {
        mix(&c, x.numUsers)
        mix(&c, x.numItems)
        for o in x.offsets { mix(&c, o) }
        #if _endian(little)
        x.items.withUnsafeBytes { c.update($0) }
        #else
        for i in x.items { withUnsafeBytes(of: i.littleEndian) { c.update($0) } }
        #endif
    }
}
