extension WorkerPool {
    /// `body(i)` for every `i` in `0..<count`, spread over the pool's threads, with the results
    /// in index order. Each index writes only its own result, so the array does not depend on
    /// which thread ran which index.
    public func parallelMap<T>(_ count: Int, _ body: @escaping (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = buffer.baseAddress!
            parallelFor(count) { i in (base + i).initialize(to: body(i)) }
            initialized = count
        }
    }
}
