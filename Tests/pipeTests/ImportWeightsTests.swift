import Foundation
import XCTest

/// The import-weights stage through the binary: random init, Keras and torchvision cache checks, file checks.
final class ImportWeightsTests: XCTestCase {
    private var scratch: Scratch!

    override func setUpWithError() throws { scratch = try Scratch() }

    private func outputFolder(_ pipeline: String, _ stage: String) throws -> String {
        try XCTUnwrap(try scratch.pipe("outputs", pipeline, stage).stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
    }

    func testSourceNoneWritesASeededCheckpointAndSaysItIsNotPretrained() throws {
        try scratch.write("w.yaml", "name: w\nseed: 3\nstages:\n  w: { kind: import-weights, with: { arch: densenet121, source: none } }\n")
        let run = try scratch.pipe("run", "w.yaml")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("pipe: w: no pretrained weights: the model starts from a seeded random initialisation"), run.stdout)
        let folder = try outputFolder("w.yaml", "w")
        let manifest = try String(contentsOfFile: folder + "/model.json", encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"architecture\" : \"densenet121\""), manifest)
        XCTAssertTrue(manifest.contains("\"seed\" : 3"), manifest)
        let summary = try String(contentsOfFile: folder + "/import.json", encoding: .utf8)
        XCTAssertTrue(summary.contains("no pretrained weights"), summary)
        let weights = try Data(contentsOf: URL(fileURLWithPath: folder + "/model.safetensors"))
        // safetensors: 8-byte little-endian header length, then a JSON header.
        let headerLength = weights.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: weights.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
        XCTAssertGreaterThan(header?.count ?? 0, 100, "a DenseNet121 has hundreds of tensors")
        let elements = (header ?? [:]).values.compactMap { ($0 as? [String: Any])?["shape"] as? [Int] }.map { $0.reduce(1, *) }.reduce(0, +)
        XCTAssertEqual(elements, 7_037_504, "Keras's DenseNet121(include_top=False) count: weights plus batch-norm statistics")
        XCTAssertEqual(weights.count, 8 + headerLength + 4 * elements)
    }

    func testAKerasFileInTheCacheThatIsNotTheOfficialOneIsRefused() throws {
        let (output, cache) = try runWithJunkInCache(source: "keras", variable: "KERAS_HOME", cache: "models",
                                                     file: "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5")
        XCTAssertTrue(output.contains("w: FAILED: \(cache.path)/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5 has digest"), output)
        XCTAssertTrue(output.contains("not the expected 30ee3e1110167f948a6b9946edeeb738; delete it"), output)
    }

    func testWeightsFileProblemsAreNamed() throws {
        try scratch.write("f.yaml", "name: f\nstages:\n  w: { kind: import-weights, with: { arch: resnet50, source: file, file: missing.h5 } }\n")
        let missing = try scratch.pipe("run", "f.yaml")
        XCTAssertEqual(missing.stderr, "pipe: error: stage `w`: the weights file \(scratch.url("missing.h5").standardizedFileURL.path) does not exist; fix `file`\n")
        try scratch.write("missing.h5", "x")
        let wrongHash = try scratch.pipe("run", "f.yaml", "--set", "stages.w.with.sha256=\(String(repeating: "a", count: 64))")
        XCTAssertTrue(wrongHash.stdout.contains("has digest 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881, not the expected aaaa"), wrongHash.stdout)
    }

    func testATorchvisionFileInTheCacheThatIsNotTheOfficialOneIsRefused() throws {
        let (output, cache) = try runWithJunkInCache(source: "torchvision", variable: "TORCH_HOME", cache: "hub/checkpoints",
                                                     file: "densenet121-a639ec97.pth")
        XCTAssertTrue(output.contains("w: FAILED: \(cache.path)/densenet121-a639ec97.pth has digest "
                                      + "35245741e72e29edc737d79889c146307c8ca445834edf0e084d7c16f91da3c4, not the expected SHA-256 starting a639ec97; delete it"), output)
    }

    /// Runs a DenseNet121 import from `source` whose cache (`$variable/cache`) holds `file` with junk in it;
    /// the run must fail. Returns its output and the cache folder.
    private func runWithJunkInCache(source: String, variable: String, cache: String, file: String) throws -> (String, URL) {
        let home = scratch.url("home-\(source)"), folder = home.appendingPathComponent(cache)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("not the weights".utf8).write(to: folder.appendingPathComponent(file))
        try scratch.write("j.yaml", "name: j\nstages:\n  w: { kind: import-weights, with: { arch: densenet121, source: \(source) } }\n")
        let run = try PipeBinary.run(["run", "j.yaml"], in: scratch.root, environment: [variable: home.path])
        XCTAssertEqual(run.status, 1)
        return (run.stdout, folder)
    }
}
