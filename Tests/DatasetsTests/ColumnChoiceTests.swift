import TestSupport
import Foundation
import Testing
@testable import Datasets

/// Issue 16, "no silent guesses": a CSV/TSV or RecBole file whose header names no user or item
/// column is refused with the header's columns and the option that chooses them, never read
/// from columns picked by position.
@Suite struct ColumnChoiceTests {
    static let rows = "u1,a,5,10\nu1,b,4,20\nu2,a,3,30\nu2,c,5,40\n"

    /// Headers the names do not match: before, columns 0 and 1 were taken with only a note.
    @Test(arguments: [
        ("customer,product,stars,when", "no column for the user id or the item id", ["--user-column", "--item-column"]),
        ("user,product,stars,when", "no column for the item id", ["--item-column"]),
        ("client,item,stars,when", "no column for the user id", ["--user-column"]),
    ])
    func headerWithoutIDNamesIsRefused(_ header: String, _ problem: String, _ options: [String]) throws {
        let dir = TempDir()
        let path = dir.write("log.csv", header + "\n" + Self.rows)
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: path) }
        #expect(error?.line == 1)
        let message = error?.message ?? ""
        #expect(message.hasPrefix(problem), "\(message)")
        for column in header.split(separator: ",") { #expect(message.contains("'\(column)'"), "\(message)") }
        for option in options { #expect(message.contains(option), "\(message)") }
        #expect(message.contains("--no-header"))
    }

    /// No item column at all: before, `rating` became the item id and the load succeeded.
    @Test func noItemColumnDoesNotMakeTheRatingTheItem() throws {
        let dir = TempDir()
        let path = dir.write("r.csv", "user,rating,ts\n" + (0..<20).map { "u\($0 % 4),\($0 % 5 + 1),\($0)" }.joined(separator: "\n") + "\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: path) }
        #expect(error?.message.contains("no column for the item id: the header has 'user', 'rating', 'ts'") == true, "\(String(describing: error))")
    }

    /// A header in another order: before, the user column was found and the item fell back to
    /// column 1 (the timestamp), which then failed as a "duplicate pair".
    @Test func headerInAnotherOrderIsReadByName() throws {
        let dir = TempDir()
        let ok = dir.write("ok.csv", "rating,ts,item,user\n5,10,a,u1\n4,20,b,u1\n3,30,a,u2\n5,40,c,u2\n")
        let d = try DatasetLoader.load(path: ok, options: LoadOptions(split: .leaveOneOutByTime))
        #expect(d.notes.contains("columns: user 3 (user), item 2 (item), timestamp 1 (ts)"), "\(d.notes)")
        let unnamed = dir.write("other.csv", "rating,ts,user,product\n5,10,u1,a\n4,20,u1,b\n")
        let error = #expect(throws: DataError.self) { try DatasetLoader.load(path: unnamed) }
        #expect(error?.message.hasPrefix("no column for the item id") == true)
        // The explicit mapping still reads it.
        let mapped = try DatasetLoader.load(path: unnamed, options: LoadOptions(split: .leaveOneOutByTime,
                                                                                columns: ColumnMapping(item: "product")))
        #expect(mapped.notes.contains("columns: user 2 (user), item 3 (product), timestamp 1 (ts)"), "\(mapped.notes)")
    }

    /// Two roles on one column, or two header columns with one role's names, are refused.
    @Test func sharedOrAmbiguousColumnsAreRefused() throws {
        let dir = TempDir()
        let path = dir.write("a.csv", "user,item,ts\nu1,a,1\nu2,b,2\n")
        let shared = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: path, options: LoadOptions(columns: ColumnMapping(item: "ts")))
        }
        #expect(shared?.message == "column 2 ('ts') cannot hold both the item id and the timestamp; choose another with --item-column or --time-column")
        let twice = dir.write("b.csv", "user,user_id,item\nu1,x,a\n")
        let ambiguous = #expect(throws: DataError.self) { try DatasetLoader.load(path: twice) }
        #expect(ambiguous?.message == "several columns could hold the user id: 0 ('user'), 1 ('user_id'); choose one with --user-column NAME|INDEX")
    }

    /// Without a header, columns 0 and 1 are the documented convention, and the note says so.
    @Test func withoutHeaderColumnsZeroAndOneAreTheConvention() throws {
        let dir = TempDir()
        let path = dir.write("bare.csv", Self.rows)
        let d = try DatasetLoader.load(path: path, options: LoadOptions(split: .leaveOneOutByTime, header: false))
        #expect(d.users.externalIDs == ["u1", "u2"])
        #expect(d.notes.contains { $0.hasPrefix("columns: user 0, item 1, timestamp none (no header: user and item are columns 0 and 1") }, "\(d.notes)")
    }

    /// RecBole: a missing default field names the option; one field for two roles is refused
    /// (before, `--user-column item_id` read every pair as (item, item)).
    @Test func recBoleFieldsNameTheOptionAndStayDistinct() throws {
        let dir = TempDir()
        let renamed = dir.write("a.inter", "uid:token\tiid:token\ttimestamp:float\n1\t2\t3\n")
        let missing = #expect(throws: DataError.self) { try DatasetLoader.load(path: renamed) }
        #expect(missing?.message == "no field named 'user_id' for the user id; fields are uid:token, iid:token, timestamp:float (choose one with --user-column NAME|INDEX)")
        let plain = dir.write("b.inter", "user_id:token\titem_id:token\ttimestamp:float\n1\t2\t3\n")
        let shared = #expect(throws: DataError.self) {
            try DatasetLoader.load(path: plain, options: LoadOptions(columns: ColumnMapping(user: "item_id")))
        }
        #expect(shared?.message == "column 1 ('item_id') cannot hold both the user id and the item id; choose another with --user-column or --item-column")
    }
}
