import Foundation
import Testing
@testable import Datasets

/// The sorted items of `user` as plain Ints.
func itemList(_ interactions: Interactions, _ user: Int) -> [Int] { interactions.items(of: user).map { Int($0) } }

/// Items of the user with external id `user`, as external ids, sorted.
func externalItems(_ d: Dataset, _ part: Interactions, user: String) -> [String] {
    guard let u = d.users.index(of: user) else { return [] }
    return part.items(of: u).map { d.items[Int($0)] }.sorted()
}
