// swift-tools-version:5.4
// Coverage-guided fuzzing of esans's readers with libFuzzer: one executable per reader, each
// defining `LLVMFuzzerTestOneInput`. Built and run by `scripts/fuzz.sh` (see README.md here):
//
//   swift build --package-path Fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM renames an executable's entry point
// (`<target>_main`, linked as `main`), which a libFuzzer binary, whose `main` is libFuzzer's,
// does not have. The main package is a path dependency and builds as it always does.
import PackageDescription

/// The readers fuzzed: short name (the directory under Sources/ and Corpus/, and the name
/// `scripts/fuzz.sh` takes) and executable name.
let readers: [(name: String, target: String)] = [
    ("lightgcn", "FuzzLightGCN"), ("recbole", "FuzzRecBole"), ("atomic", "FuzzAtomic"),
    ("delimited", "FuzzDelimited"), ("npy", "FuzzNPY"), ("safetensors", "FuzzSafeTensors"),
    ("torch-pickle", "FuzzTorchPickle"), ("semantic-ids", "FuzzSemanticIDs"), ("msac", "FuzzMSAC"),
    ("run-config", "FuzzRunConfig"), ("metrics-log", "FuzzMetricsLog"), ("ivf", "FuzzIVF"),
    ("http-request", "FuzzHTTPRequest"), ("milvus-response", "FuzzMilvusResponse"),
]

let esans: [Target.Dependency] = [
    .product(name: "ESANSKit", package: "esans"),
    .product(name: "ESANSServing", package: "esans"),
    "FuzzSupport",
]

let package = Package(
    name: "Fuzz",
    platforms: [.macOS("13.0")],
    dependencies: [.package(name: "esans", path: "..")],
    targets: [
        // Shared by every fuzzer: the input cursor, scratch files, the checksum patcher, the error oracle.
        .target(name: "FuzzSupport", dependencies: [.product(name: "ESANSKit", package: "esans")]),
    ] + readers.map { .executableTarget(name: $0.target, dependencies: esans, path: "Sources/\($0.name)") }
)
