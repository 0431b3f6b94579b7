import CNN
import Foundation
import Imaging
import Models
import PipeSpec
import XCTest
@testable import Stages

/// Grad-CAM against finite differences of the head, and the choice of images to show.
final class GradCAMTests: XCTestCase {
    func testMapsMatchFiniteDifferenceWeights() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gradcam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for image in 0..<2 {
            let bytes = (0..<(32 * 32 * 3)).map { UInt8(($0 * (7 + image * 5) + $0 / 96 * 13) % 256) }
            let url = folder.appendingPathComponent("\(image).png")
            try PNGCodec.write(try Image(width: 32, height: 32, format: .rgb8, bytes: bytes), to: url)
            paths.append(url.path)
        }
        let model = try Model(architecture: .densenet121, variant: .keras,
                              options: ModelOptions(includeTop: false, inputHeight: 32, inputWidth: 32,
                                                    denseNet: DenseNetConfig(blocks: [1, 1], growthRate: 4, initialFeatures: 8), seed: 3))
        let spec = try JSONValue.parse(Data(#"[{"layer": "dense", "units": 5, "activation": "relu"}, {"layer": "dense", "units": 2}]"#.utf8))
        let head = try ClassifierHead(spec: spec, features: model.featureCount, classes: 2, seed: 9, stage: "test")
        head.attach(to: model)
        let classifier = TrainedClassifier(model: model, head: head, classes: ["benign", "malignant"], imageSize: 32)
        let targets = [1, 0]
        let maps = try XCTUnwrap(try GradCAM(classifier: classifier).maps(of: paths, targets: targets))

        // Reference: the gradient of the logit with respect to the pooled features by central differences
        // through the head alone, then the same weighted sum of the feature map.
        let input = try TrainedClassifier.batch(paths, size: 32, preprocessing: model.preprocessing)
        _ = try model.graph.forward(input, mode: .inference)
        let features = try XCTUnwrap(model.graph.value(at: try XCTUnwrap(model.featureMapNodeIndex)))
        let (h, w, c) = (features.shape[1], features.shape[2], features.shape[3])
        let headGraph = Graph()
        for layer in head.layers { headGraph.append(layer) }
        func logit(_ pooled: [Float], _ target: Int) throws -> Double {
            Double(try headGraph.forward(Tensor(shape: [1, c], values: pooled), mode: .inference).data[target])
        }
        var supported = 0
        for (image, target) in targets.enumerated() {
            var pooled = [Float](repeating: 0, count: c)
            for p in 0..<(h * w) { for k in 0..<c { pooled[k] += features.data[(image * h * w + p) * c + k] / Float(h * w) } }
            let weights = try (0..<c).map { k -> Double in
                var up = pooled, down = pooled
                up[k] += 1e-2
                down[k] -= 1e-2
                return (try logit(up, target) - logit(down, target)) / 2e-2
            }
            var expected = [Double](repeating: 0, count: h * w)
            for p in 0..<(h * w) {
                var sum = 0.0
                for k in 0..<c { sum += weights[k] * Double(features.data[(image * h * w + p) * c + k]) }
                expected[p] = max(sum, 0)
            }
            // A class nothing in the image supports gives an all-zero map.
            let peak = expected.max() ?? 0
            if peak > 0 { expected = expected.map { $0 / peak } }
            supported += peak > 0 ? 1 : 0
            XCTAssertEqual(maps[image].values.count, h * w)
            for (got, want) in zip(maps[image].values, expected) { XCTAssertEqual(Double(got), want, accuracy: 2e-3, "image \(image)") }
        }
        XCTAssertGreaterThan(supported, 0, "at least one map must be non-trivial for the comparison to mean something")
        let png = try GradCAM.overlay(maps[0], on: paths[0], size: 48)
        XCTAssertTrue(PNGCodec.isPNG(png))
        XCTAssertEqual(try PNGCodec.decode(png, file: "overlay").width, 48)
    }

    func testGalleryPicksConfidentRightWrongAndBorderline() {
        let correct = [true, true, false, true, false, true, true, false, true, true]
        let confidence = [0.99, 0.6, 0.95, 0.97, 0.7, 0.8, 0.51, 0.55, 0.9, 0.98]
        let margin = confidence.map { abs($0 - 0.5) }
        let picks = HeatmapGallery.choose(correct: correct, confidence: confidence, margin: margin, count: 8)
        XCTAssertEqual(picks.map(\.index), [0, 9, 3, 2, 4, 7, 6, 1])
        XCTAssertEqual(picks.map(\.kind), ["confident, right", "confident, right", "confident, right", "confident, wrong", "confident, wrong",
                                           "confident, wrong", "borderline", "borderline"])
        XCTAssertEqual(HeatmapGallery.choose(correct: [true, false], confidence: [0.9, 0.8], margin: [0.4, 0.3], count: 8).count, 2)
    }
}
