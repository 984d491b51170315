// swift-tools-version:6.0
// esans: two-tower retrieval with strong negative sampling (ESANS), in Swift.
import PackageDescription

// The hot kernels are written with SIMD types; without an FMA target the compiler lowers
// `SIMD8<Float>` multiply-adds to scalar calls and the GEMM runs at a third of its speed
// (see ../shared/design/performance-notes.md). Haswell (AVX2 + FMA) runs on every x86-64
// server of the last decade; arm64 builds use NEON without extra flags.
// `-fno-math-errno` for the C headers Swift imports: the standard library's square root is a
// C inline function, and with errno semantics clang compiles it (and Float.squareRoot(), and
// SIMD's lane by lane) as a scalar vsqrtss plus a call to sqrtf for negative inputs; without,
// SIMD8's squareRoot() is one vsqrtps with the same IEEE results.
#if arch(x86_64)
let fastMath: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell", "-Xcc", "-fno-math-errno"])]
#else
let fastMath: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
#endif

let package = Package(
    name: "esans",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "esans", targets: ["esans"]),
        .library(name: "ESANSKit", targets: ["NumCore", "Collectives", "Datasets", "Models", "Runs", "Clustering", "Codebooks", "TextEncoder", "Alignment", "Semantic", "Sampling", "Losses", "Evaluation", "Baselines", "Training"]),
        // Retrieval and the HTTP service, for packages beside this one (Fuzz/ links its readers and request decoding).
        .library(name: "ESANSServing", targets: ["Serving", "ServingHTTP", "VectorDB"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Floor 1: matrices, GEMM, parallel-for, RNG, top-K, tensor file formats.
        .target(name: "NumCore", swiftSettings: fastMath),
        // Floor 2: readers, id maps, splits, fetch.
        .target(name: "Datasets", dependencies: ["NumCore"], swiftSettings: fastMath),
        // Floor 2: layers with explicit forward/backward, towers, Adam, checkpoints.
        .target(name: "Models", dependencies: ["NumCore", "CPrefetch"], swiftSettings: fastMath),
        // Floor 2: what a run is on disk: settings (RunConfig and its typed parts), the metrics
        // log, embedding export. Plain data: training, serving and the harness all read it.
        .target(name: "Runs", dependencies: ["NumCore", "Datasets", "Models"], swiftSettings: fastMath),
        // Floor 1: the system libjpeg behind a small C shim that loads it with dlopen at run time;
        // without the headers it builds as a stub that reports JPEG decoding as unavailable.
        // (C only: the empty swiftSettings keeps scripts/check-target-deps.py's parser in step.)
        .target(name: "CJPEG", swiftSettings: [], linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // Floor 1: Open MPI behind a small C shim that loads libmpi.so.40 with dlopen at run time
        // (no mpi.h needed to build, no libmpi needed to run single-process).
        // (C only: the empty swiftSettings keeps scripts/check-target-deps.py's parser in step.)
        .target(name: "CMPI", swiftSettings: [], linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // Floor 1: the gRPC C core behind a small C shim that loads libgrpc with dlopen at run time
        // (blocking unary calls on raw bytes, for Milvus); without the headers it builds as a stub
        // that reports gRPC as unavailable.
        // (C only: the empty swiftSettings keeps scripts/check-target-deps.py's parser in step.)
        .target(name: "CGRPC", swiftSettings: [], linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // Floor 1: a cache prefetch hint for the row gathers of model-scored samplers (Swift cannot
        // call the compiler builtin; header-only, no library).
        // (C only: the empty swiftSettings keeps scripts/check-target-deps.py's parser in step.)
        .target(name: "CPrefetch", swiftSettings: []),
        // Floor 2: the Communicator protocol (rank, size, collectives) with single-process,
        // threads-as-ranks and MPI implementations; how this process was launched.
        .target(name: "Collectives", dependencies: ["CMPI"], swiftSettings: fastMath),
        // Floor 2: image encoder (EfficientNet-Lite0 in Swift), preprocessing, JPEG decoding.
        .target(name: "Encoders", dependencies: ["NumCore", "CJPEG"], swiftSettings: fastMath),
        // Floor 2: general algorithms, no encoder: k-means, randomised SVD of dense and sparse
        // matrices, orthogonal Procrustes.
        .target(name: "Clustering", dependencies: ["NumCore"], swiftSettings: fastMath),
        // Floor 2: the text encoder (MiniLM / BERT in Swift: WordPiece, transformer layers, mean pooling).
        .target(name: "TextEncoder", dependencies: ["NumCore", "Datasets"], swiftSettings: fastMath),
        // Floor 2: what an MSAC fit is: the cascaded codebooks, the items' semantic IDs, and
        // MSACArtifact, the one reader and writer of semantic_ids.tsv and msac.safetensors.
        .target(name: "Codebooks", dependencies: ["NumCore", "Datasets", "Clustering"], swiftSettings: fastMath),
        // Floor 3: what MSAC does to vectors, without any encoder: modality matrices, their
        // alignment into one space, the codebook refit on aligned vectors, a fit's saved
        // vectors and settings (MSACOutput), and item features imported from files. The
        // trainer's cluster refresh and side features need these, not the encoders.
        .target(name: "Alignment", dependencies: ["NumCore", "Datasets", "Models", "Clustering", "Codebooks"], swiftSettings: fastMath),
        // Floor 4: MSAC — featurisers (text, image, structured, behaviour), the fit, assignment.
        .target(name: "Semantic", dependencies: ["NumCore", "Datasets", "Encoders", "TextEncoder", "Clustering", "Codebooks", "Alignment"], swiftSettings: fastMath),
        // Floor 3: negative samplers behind one protocol.
        .target(name: "Sampling", dependencies: ["NumCore", "Datasets", "Runs", "Codebooks", "CPrefetch"], swiftSettings: fastMath),
        // Floor 3: training losses on logit rows (softmax, BSL, CCL, Adap-tau, BPR) behind one protocol.
        .target(name: "Losses", dependencies: ["NumCore", "Runs"], swiftSettings: fastMath),
        // Floor 3: full-corpus ranking metrics.
        .target(name: "Evaluation", dependencies: ["NumCore", "Datasets", "Collectives"], swiftSettings: fastMath),
        // Floor 4: the training loop and the sampled-softmax loss.
        .target(name: "Training", dependencies: ["NumCore", "Datasets", "Models", "Runs", "Codebooks", "Alignment", "Sampling", "Losses", "Evaluation", "Collectives"], swiftSettings: fastMath),
        // Floor 4: non-learned baselines (most popular, item-KNN) fitted and evaluated like a run.
        .target(name: "Baselines", dependencies: ["NumCore", "Datasets", "Runs", "Evaluation"], swiftSettings: fastMath),
        // Floor 5: compare / sweep / ablation harness and its reports.
        .target(name: "Experiments", dependencies: ["NumCore", "Runs", "Sampling", "Losses", "Training"], swiftSettings: fastMath),
        // Floor 4: retrieval indexes (exact and IVF), run loading for serving. No HTTP here.
        .target(name: "Serving", dependencies: ["NumCore", "Datasets", "Models", "Clustering", "Codebooks", "Runs"], swiftSettings: fastMath),
        // Floor 5: the HTTP service (Hummingbird) over Serving.
        .target(
            name: "ServingHTTP",
            dependencies: [
                "NumCore", "Serving",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: fastMath),
        // Floor 5: vector databases (PostgreSQL + pgvector through libpq, loaded with dlopen at run
        // time like libjpeg; Milvus over gRPC through CGRPC, its protobuf messages written by
        // hand): export of item vectors and semantic IDs, and an external index for Serving's
        // Retriever. Kept out of Serving, which links no database client.
        .target(name: "VectorDB", dependencies: ["NumCore", "Serving", "CGRPC"], swiftSettings: fastMath),
        // Floor 6: the command-line tool.
        .executableTarget(
            name: "esans",
            dependencies: [
                "NumCore", "Datasets", "Models", "Runs", "Clustering", "Codebooks", "Alignment", "Semantic", "Sampling", "Losses", "Evaluation", "Baselines", "Training", "Experiments", "Serving", "ServingHTTP", "VectorDB",
                "Encoders", "TextEncoder", "Collectives",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastMath),
        // Helpers every test target may use: scratch directories, finite differences, and the
        // reference implementations the fast code is checked against.
        .target(name: "TestSupport", dependencies: ["NumCore"], path: "Tests/TestSupport", swiftSettings: fastMath),
        // A tiny run directory on disk (data, config.json, an untrained model) for the serving
        // tests; apart from TestSupport, which stays on NumCore alone.
        .target(name: "RunFixtures", dependencies: ["NumCore", "Runs", "Datasets", "Models"], path: "Tests/RunFixtures", swiftSettings: fastMath),
        .testTarget(name: "NumCoreTests", dependencies: ["NumCore", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "DatasetsTests", dependencies: ["NumCore", "Datasets", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "ModelsTests", dependencies: ["NumCore", "Models", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "ClusteringTests", dependencies: ["NumCore", "Clustering", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "TextEncoderTests", dependencies: ["NumCore", "TextEncoder"], swiftSettings: fastMath),
        .testTarget(name: "CodebooksTests", dependencies: ["NumCore", "Datasets", "Clustering", "Codebooks", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "SemanticTests", dependencies: ["NumCore", "Datasets", "Clustering", "Codebooks", "TextEncoder", "Alignment", "Semantic", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "EncodersTests", dependencies: ["NumCore", "Datasets", "Encoders", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "SamplingTests", dependencies: ["NumCore", "Runs", "Datasets", "Codebooks", "Sampling"], swiftSettings: fastMath),
        .testTarget(name: "LossesTests", dependencies: ["NumCore", "Runs", "Losses", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "EvaluationTests", dependencies: ["NumCore", "Datasets", "Evaluation", "Collectives"], swiftSettings: fastMath),
        .testTarget(name: "CollectivesTests", dependencies: ["Collectives"], swiftSettings: fastMath),
        .testTarget(name: "BaselinesTests", dependencies: ["NumCore", "Datasets", "Runs", "Evaluation", "Baselines", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "ExperimentsTests", dependencies: ["NumCore", "Runs", "Datasets", "Models", "Experiments", "Training", "Losses", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "TrainingTests", dependencies: ["NumCore", "Runs", "Datasets", "Models", "Codebooks", "Alignment", "Semantic", "Training", "Losses", "Sampling", "Collectives", "TestSupport"], swiftSettings: fastMath),
        .testTarget(name: "ServingTests", dependencies: ["NumCore", "Runs", "Datasets", "Models", "Codebooks", "Evaluation", "Serving", "Training", "TestSupport", "RunFixtures"], swiftSettings: fastMath),
        .testTarget(name: "VectorDBTests", dependencies: ["NumCore", "Serving", "VectorDB"], swiftSettings: fastMath),
        // The command-line tool run as a subprocess (it is built before these tests).
        .testTarget(name: "esansTests", dependencies: ["esans", "NumCore", "TestSupport"], swiftSettings: fastMath),
        .testTarget(
            name: "ServingHTTPTests",
            dependencies: ["NumCore", "ServingHTTP", "Serving", "TestSupport", "RunFixtures",
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: fastMath),
    ]
)
