import Datasets

/// Interaction tables plug straight into evaluation: each user's slice is already sorted.
extension Interactions: UserItemLists {}
