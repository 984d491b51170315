/// A loaded data set: id maps, a train/test split, an optional validation part and notes.
///
/// Every user and item index refers to ``users`` and ``items``. Test users and items always
/// occur in ``train`` (the loaders drop the others and say so in ``notes``), so a model
/// trained on ``train`` can score every test pair.
public struct Dataset: Sendable {
    /// A short name (directory or file name for loaded data).
    public var name: String
    /// External user ids.
    public var users: IDMap
    /// External item ids.
    public var items: IDMap
    /// Training interactions.
    public var train: Interactions
    /// Test interactions.
    public var test: Interactions
    /// Validation interactions, carved from train when asked (never from test).
    public var validation: Interactions?
    /// Human-readable report lines about what loading did, e.g.
    /// `dropped 12 test interactions: 3 test users never seen in training`.
    public var notes: [String]
    /// What the load-time filters (minimum rating, k-core) removed, in the order they ran;
    /// empty when none was asked for.
    public var filters: [FilterOutcome]
    /// External ids of the items the data names that have no training interaction and are
    /// therefore not in ``items`` (their test pairs were dropped), in first-seen order. A model
    /// cannot score them, but features that do not need interactions (MSAC's text or
    /// structured modalities) can describe them.
    public var itemsWithoutTraining: [String]
    /// The test pairs of users seen in training with the items of ``itemsWithoutTraining``
    /// (item index = position in that list), kept aside for the cold-item evaluation; nil when
    /// the loader kept none (see ``ColdItemHoldout``).
    public var coldTest: Interactions?
    /// Validation pairs of items whose every training interaction was carved out of training
    /// (``carvingColdValidationItems(fraction:seed:)``), in the dataset's item space; nil when none.
    public var coldValidation: Interactions?
    /// The part of a sharded directory this process loaded (an MPI rank's users, see
    /// ``DatasetLoader/loadUserPart(path:options:parts:part:)``): only the users of these data
    /// shards (`user % numShards`) have interactions, every other user's rows are empty while
    /// the id maps and counts of users and items are the whole data's. nil: all of the data.
    public var loadedShards: (shards: [Int], of: Int)? = nil

    /// Creates a data set from its parts.
    public init(name: String, users: IDMap, items: IDMap, train: Interactions, test: Interactions,
                validation: Interactions? = nil, notes: [String] = [], filters: [FilterOutcome] = [], itemsWithoutTraining: [String] = []) {
        self.name = name
        self.users = users
        self.items = items
        self.train = train
        self.test = test
        self.validation = validation
        self.notes = notes
        self.filters = filters
        self.itemsWithoutTraining = itemsWithoutTraining
    }

    /// Number of users.
    public var numUsers: Int { users.count }
    /// Number of items.
    public var numItems: Int { items.count }
}
