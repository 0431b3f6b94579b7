// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pipe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pipe", targets: ["pipe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Yams 5 keeps duplicate mapping keys in the node tree, so `pipe validate` can report each one
        // with both locations; Yams 6 aborts the whole parse at the first duplicate.
        .package(url: "https://github.com/jpsim/Yams", .upToNextMinor(from: "5.0.1")),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),

        // pipe's own SGEMM kernels (AVX-512, AVX2 + FMA, NEON, portable C); optimised even in debug builds,
        // where -O0 intrinsics run tens of times slower and would dominate the test suite.
        .target(name: "CGemm", cSettings: [.unsafeFlags(["-O2"])]),
        // Open MPI, opened at run time (dlopen) for data-parallel training: no MPI is needed to build or run pipe.
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")]),
        // libhdf5 in a forked child process: a crash or hang inside the library on a damaged file ends only the child.
        .target(name: "HDF5Snapshot", dependencies: ["CHDF5"]),
        .target(name: "PipeBase", dependencies: ["CMPI"]),
        .target(name: "CNN", dependencies: ["PipeBase", "COpenBLAS", "CGemm"]),
        .target(name: "Models", dependencies: ["PipeBase", "CNN", "HDF5Snapshot", "ZIPFoundation"]),
        .target(name: "Imaging", dependencies: ["PipeBase", "CPNG", "CJPEG"]),
        .target(name: "Datasets", dependencies: ["PipeBase", "Imaging"]),
        .target(name: "PipeSpec", dependencies: ["Yams"]),
        .target(name: "PipeEngine", dependencies: ["PipeBase", "PipeSpec", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Stages", dependencies: ["PipeBase", "PipeEngine", "Datasets", "Imaging", "Models", "CNN", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "pipe", dependencies: [
            "PipeBase", "Stages", "PipeSpec", "Datasets", "Models", "Imaging", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], plugins: ["BuildCommit"]),
        // Records the git commit pipe is built from (`pipe version`, each stored result's provenance).
        .plugin(name: "BuildCommit", capability: .buildTool()),

        .executableTarget(name: "cnn-bench", dependencies: ["PipeBase", "CNN"], path: "bench/cnn", exclude: ["torch_peer.py"]),
        .executableTarget(name: "data-bench", dependencies: ["Datasets", "Imaging"], path: "bench/data", exclude: ["vs_pillow.py", "README.md"]),
        // The parsers of files pipe did not write, for libFuzzer (`make fuzz`) and for replaying corpora in the tests.
        .executableTarget(name: "pipe-fuzz", dependencies: ["Stages", "PipeSpec", "Models", "Imaging", "Datasets"],
                          path: "Tests/Fuzz/Harness"),
        .executableTarget(name: "model-bench", dependencies: ["PipeBase", "Models", "CNN"], path: "bench/models", exclude: ["peer.py", "vs_peers.py"]),

        .testTarget(name: "PipeBaseTests", dependencies: ["PipeBase"]),
        .testTarget(name: "CNNTests", dependencies: ["PipeBase", "CNN"]),
        .testTarget(name: "ModelsTests", dependencies: ["PipeBase", "Models", "CHDF5", "HDF5Snapshot"]),
        .testTarget(name: "ImagingTests", dependencies: ["PipeBase", "Imaging"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
        .testTarget(name: "PipeSpecTests", dependencies: ["PipeSpec"]),
        .testTarget(name: "PipeEngineTests", dependencies: ["PipeEngine"]),
        .testTarget(name: "StagesTests", dependencies: ["PipeBase", "Stages", "Models", "Imaging", "CNN"]),
        // Reads Sources/ as text: checks the file layering of each module.
        .testTarget(name: "ArchitectureTests"),
        .testTarget(name: "pipeTests", dependencies: ["pipe", "Models", "Imaging"]),
    ],
    swiftLanguageModes: [.v6]
)
