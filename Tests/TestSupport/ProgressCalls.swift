import Testing

/// Checks of progress callbacks: the calls of one stage start at `(0, total)`, grow strictly
/// and end at `(total, total)`.
public enum ProgressCalls {
    /// Expects `calls` to be one stage's well-formed progress towards `total`.
    public static func expectMonotone(_ calls: [(done: Int, total: Int)], total: Int, _ what: String,
                                      sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!calls.isEmpty, "\(what): no calls", sourceLocation: sourceLocation)
        #expect(calls.first?.done == 0 && calls.last?.done == total && calls.allSatisfy { $0.total == total }, "\(what): \(calls)",
                sourceLocation: sourceLocation)
        #expect(zip(calls, calls.dropFirst()).allSatisfy { $0.done < $1.done }, "\(what): \(calls)", sourceLocation: sourceLocation)
    }
}
