import CNN
import Foundation
import XCTest
@testable import Models

/// Full-size ResNet50, VGG16 and InceptionV3 of both variants reproduce Keras and torchvision outputs
/// when every weight is set by the same formula the fixture script uses (no weight files needed).
final class FormulaModelTests: XCTestCase {
    /// `formula_values` of `make_models_fixtures.py`.
    static func formulaValues(_ key: String, _ shape: [Int]) -> [Float] {
        let count = shape.reduce(1, *)
        let phase = key.utf8.enumerated().reduce(0) { $0 + ($1.offset + 1) * Int($1.element) } % 1009
        let name = key.replacingOccurrences(of: "/", with: ".").split(separator: ".").last.map(String.init) ?? key
        let keras = key.contains("/")
        let scale: Double, offset: Double
        if shape.count >= 2 {
            let fanIn = keras ? shape.dropLast().reduce(1, *) : shape.dropFirst().reduce(1, *)
            (scale, offset) = ((24.0 / Double(fanIn)).squareRoot(), 0)
        } else if name == "gamma" || name == "weight" {
            (scale, offset) = (0.2, 1)
        } else if name == "moving_variance" || name == "running_var" {
            (scale, offset) = (0.4, 1)
        } else {
            (scale, offset) = (0.1, 0)
        }
        // u cycles through 2003 values: tabulate them, then step the residue instead of multiplying,
        // which keeps debug builds fast on 25M-weight models.
        let table = (0..<2003).map { Float(offset + (Double($0) / 2003 - 0.5) * scale) }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            var residue = (phase * 104_729) % 2003
            table.withUnsafeBufferPointer { table in
                for i in 0..<count {
                    buffer[i] = table[residue]
                    residue += 7919 % 2003
                    if residue >= 2003 { residue -= 2003 }
                }
            }
            initialized = count
        }
    }

    private func check(_ architecture: Architecture, _ variant: Variant, file: StaticString = #filePath, line: UInt = #line) throws {
        let entry = (ModelsFixture.object("formula_models")["\(variant.rawValue)/\(architecture.rawValue)"] as! [String: Any])
        let size = (entry["input"] as! NSNumber).intValue, includeTop = entry["includeTop"] as! Bool
        let model = try Model(architecture: architecture, variant: variant,
                              options: ModelOptions(includeTop: includeTop, classes: 10, inputHeight: size, inputWidth: size))
        try assertParameterCounts(model, includeTop: includeTop, file: file, line: line)
        var arrays: [String: WeightArray] = [:]
        for slot in model.weightSlots {
            arrays[slot.key] = WeightArray(shape: slot.sourceShape, values: Self.formulaValues(slot.key, slot.sourceShape))
        }
        try WeightLoader.load(arrays, into: model, source: "formula")
        let input = Self.formulaValues("input", [size * size * 3]).map { $0 * 2 }
        let output = try model.logits(Tensor(shape: [1, size, size, 3], values: input))
        let expected = ModelsFixture.tensor(entry["output"]!)
        XCTAssertEqual(output.shape, expected.shape, file: file, line: line)
        let magnitude = max(1, expected.values.map(abs).max() ?? 0)
        assertClose(output.array, expected.values, tolerance: 1e-4 * magnitude, "\(variant) \(architecture)", file: file, line: line)
    }

    /// The frameworks' weight and trainable-parameter counts of the full model (recorded by the fixture
    /// script); VGG's fully connected top (123,642,856 weights) and the 10-class heads are accounted for.
    private func assertParameterCounts(_ model: Model, includeTop: Bool, file: StaticString, line: UInt) throws {
        let entry = ModelsFixture.object("parameter_counts")["\(model.variant.rawValue)/\(model.architecture.rawValue)"]
            as! [String: Any]
        let missingTop = includeTop ? (1000 - 10) * (model.featureCount + 1) : 123_642_856
        let weights = model.weightSlots.map(\.target.count).reduce(0, +) + missingTop
        let trainable = model.graph.parameters.filter { !$0.isFrozen }.map(\.value.count).reduce(0, +) + missingTop
        XCTAssertEqual(weights, (entry["weights"] as! NSNumber).intValue, "weights", file: file, line: line)
        XCTAssertEqual(trainable, (entry["trainable"] as! NSNumber).intValue, "trainable", file: file, line: line)
    }

    func testResNet50() throws {
        try check(.resnet50, .keras)
        try check(.resnet50, .torchvision)
    }

    func testVGG16Features() throws {
        try check(.vgg16, .keras)
        try check(.vgg16, .torchvision)
    }

    func testInceptionV3() throws {
        try check(.inceptionV3, .keras)
        try check(.inceptionV3, .torchvision)
    }
}
