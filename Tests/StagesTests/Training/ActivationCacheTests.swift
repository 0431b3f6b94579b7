import CNN
import Foundation
import Imaging
import Models
@testable import PipeEngine
@testable import Stages
import XCTest

/// The frozen-prefix cache: values equal to running the prefix, and a full disk reported, not a crash.
final class ActivationCacheTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("activations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func setting() throws -> (Model, [ManifestEntry], StageContext) {
        var rows: [ManifestEntry] = []
        for image in 0..<3 {
            let bytes = (0..<(24 * 24 * 3)).map { UInt8(($0 * (3 + image) + image * 40) % 256) }
            let url = folder.appendingPathComponent("\(image).png")
            try PNGCodec.write(try Image(width: 24, height: 24, format: .rgb8, bytes: bytes), to: url)
            rows.append(ManifestEntry(path: url.path))
        }
        let model = try Model(architecture: .densenet121, variant: .keras,
                              options: ModelOptions(includeTop: false, inputHeight: 24, inputWidth: 24,
                                                    denseNet: DenseNetConfig(blocks: [1, 1], growthRate: 4, initialFeatures: 8), seed: 1))
        let context = StageContext(output: folder.appendingPathComponent("out"), committedOutput: folder.appendingPathComponent("out"),
                                   resumeFolder: folder.appendingPathComponent("resume"), work: folder.appendingPathComponent("work"),
                                   inputs: [:], pipeline: PipelineContext(name: "t", directory: folder, seed: 1), onProgress: { _ in })
        return (model, rows, context)
    }

    func testCachedValuesEqualThePrefixOutput() throws {
        let (model, rows, context) = try setting()
        let cache = try ActivationCache(model: model, node: 3, rows: rows, size: 24, context: context, batchSize: 2)
        let input = try TrainedClassifier.batch([rows[2].path, rows[0].path], size: 24, preprocessing: model.preprocessing)
        let expected = try model.graph.forward(input, mode: .inference, through: 3).array
        XCTAssertEqual(try cache.batch([rows[2], rows[0]]).array, expected)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: context.work.path), [], "the mapped file is unlinked at once")
        XCTAssertThrowsError(try cache.batch([ManifestEntry(path: "/elsewhere.png")]))
    }

    func testAFullDiskIsAnErrorNotACrash() throws {
        let (model, rows, context) = try setting()
        XCTAssertThrowsError(try ActivationCache(model: model, node: 3, rows: rows, size: 24, context: context,
                                                 reserve: { _, _ in ENOSPC })) { error in
            guard case ActivationCache.Failure.noSpace(let bytes) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(bytes, 3 * 6 * 6 * 8 * 4, "three 6x6x8 pool1 maps of floats")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: context.work.path), [])
    }
}
