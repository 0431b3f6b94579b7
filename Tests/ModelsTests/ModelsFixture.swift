import CNN
import Foundation
import XCTest
@testable import Models

/// The fixtures written by `Tests/Reference/make_models_fixtures.py`.
enum ModelsFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Reference/models")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The reduced torchvision DenseNet the PyTorch fixtures were made with (32 px input).
    static func torchModel(classes: Int = 5, includeTop: Bool = true) throws -> Model {
        let config = DenseNetConfig(blocks: [2, 1, 1], growthRate: 8, initialFeatures: 16, bottleneckFactor: 4)
        return try Model(architecture: .densenet121, variant: .torchvision,
                         options: ModelOptions(includeTop: includeTop, classes: classes, inputHeight: 32, inputWidth: 32,
                                               denseNet: config))
    }

    /// The text of the error `body` throws, or nil when it does not throw.
    static func errorText(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    nonisolated(unsafe) static let json: [String: Any] = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("fixtures.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func object(_ name: String) -> [String: Any] { json[name] as! [String: Any] }

    /// A base64 float32 tensor `{shape, f32}` of `object`.
    static func tensor(_ encoded: Any) -> (shape: [Int], values: [Float]) {
        let encoded = encoded as! [String: Any]
        let shape = (encoded["shape"] as! [NSNumber]).map(\.intValue)
        let data = Data(base64Encoded: encoded["f32"] as! String)!
        let values = data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return (shape, values)
    }

    /// A base64 uint8 image batch `{shape, u8}`.
    static func images(_ encoded: Any) -> (shape: [Int], bytes: [UInt8]) {
        let encoded = encoded as! [String: Any]
        return ((encoded["shape"] as! [NSNumber]).map(\.intValue), [UInt8](Data(base64Encoded: encoded["u8"] as! String)!))
    }

    static func ints(_ value: Any?) -> [Int] { (value as! [NSNumber]).map(\.intValue) }
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("models-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The index of each row's largest value.
func argmaxRows(_ tensor: Tensor) -> [Int] {
    let classes = tensor.shape[1]
    return (0..<tensor.shape[0]).map { row in
        (0..<classes).max { tensor.data[row * classes + $0] < tensor.data[row * classes + $1] }!
    }
}

/// Asserts equal shapes and elementwise agreement within `tolerance`.
func assertClose(_ actual: [Float], _ expected: [Float], tolerance: Float, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): element counts", file: file, line: line)
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, tolerance, "\(message): max abs difference", file: file, line: line)
}
