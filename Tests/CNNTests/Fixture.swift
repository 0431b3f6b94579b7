import Foundation
import XCTest
@testable import CNN

/// One JSON object from `Tests/Reference/cnn/*.json`, written by `make_cnn_fixtures.py`.
struct Fixture {
    let object: [String: Any]

    /// Loads a fixture file by name (without `.json`).
    static func load(_ name: String) throws -> Any {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/cnn/\(name).json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    static func cases(_ name: String) throws -> [Fixture] {
        try XCTUnwrap(load(name) as? [[String: Any]]).map(Fixture.init)
    }

    subscript(_ key: String) -> Fixture { Fixture(object: object[key] as! [String: Any]) }

    func has(_ key: String) -> Bool { object[key] is [String: Any] }
    func int(_ key: String) -> Int { (object[key] as! NSNumber).intValue }
    func float(_ key: String) -> Float { (object[key] as! NSNumber).floatValue }
    func ints(_ key: String) -> [Int] { (object[key] as! [NSNumber]).map(\.intValue) }
    func string(_ key: String) -> String { object[key] as! String }

    /// The float32 values of tensor `key`.
    func floats(_ key: String) -> [Float] { Fixture.decode(object[key] as! [String: Any]).values }

    /// The shape of tensor `key`.
    func shape(_ key: String) -> [Int] { Fixture.decode(object[key] as! [String: Any]).shape }

    /// The tensor `key` as a `Tensor`.
    func tensor(_ key: String) -> Tensor {
        let (shape, values) = Fixture.decode(object[key] as! [String: Any])
        return Tensor(shape: shape, values: values)
    }

    static func decode(_ encoded: [String: Any]) -> (shape: [Int], values: [Float]) {
        let shape = (encoded["shape"] as! [NSNumber]).map(\.intValue)
        let data = Data(base64Encoded: encoded["f32"] as! String)!
        let values = data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return (shape, values)
    }
}
