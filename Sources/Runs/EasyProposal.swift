import NumCore

/// How ESANS draws an easy negative from the primary clusters other than the positive's
/// (`--easy-proposal`).
public enum EasyProposal: String, NamedSetting {
    /// The paper's draw: a cluster q with probability softmax(-dist(C_p, C_q) / T_c), then an
    /// item uniformly in it. An item's probability is that weight over its cluster's size, so
    /// the items of small clusters are drawn far more often than those of large ones.
    case cluster
    /// Each item outside the positive's cluster with its cluster's weight
    /// exp(-dist(C_p, C_q) / T_c): clusters are chosen in proportion to weight times size, then
    /// an item uniformly. With a large T_c this is a uniform draw over the items outside the
    /// positive's primary cluster.
    case item
    /// Each item outside the positive's cluster with its cluster's weight times its training
    /// frequency^0.75 (PNS's weight): clusters are chosen in proportion to weight times their
    /// summed item weights, then an item in proportion to its own. Popular items, whose scores
    /// dominate the full softmax, are drawn more often, and logQ undoes the skew.
    case popularity

    public static var settingName: String { "easy proposal" }
}
