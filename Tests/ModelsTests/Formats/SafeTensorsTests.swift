import Foundation
import XCTest
@testable import Models

final class SafeTensorsTests: XCTestCase {
    func testRoundTripKeepsNamesShapesValuesAndMetadata() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("t.safetensors").path
        let a = WeightArray(shape: [2, 3], values: [1, -2, 3.5, 0, .greatestFiniteMagnitude, -0.25])
        let b = WeightArray(shape: [1], values: [7])
        try SafeTensors.write([("b", b), ("a.weight", a)], metadata: ["format": "pipe"], to: path)
        let (arrays, metadata) = try SafeTensors.read(path: path)
        XCTAssertEqual(arrays, ["a.weight": a, "b": b])
        XCTAssertEqual(metadata, ["format": "pipe"])
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        XCTAssertEqual(headerLength % 8, 0, "header padded to 8 bytes")
        XCTAssertEqual(data.count, 8 + headerLength + 7 * 4)
    }

    func testHalfPrecisionAndIntegerTensorsAreConverted() throws {
        let header = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},"n":{"dtype":"I64","shape":[],"data_offsets":[6,14]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(contentsOf: [0x00, 0x3C, 0x00, 0xC0])  // F16 1.0, -2.0
        data.append(contentsOf: [0x40, 0x40])  // BF16 3.0
        data.append(contentsOf: [42, 0, 0, 0, 0, 0, 0, 0])
        let path = try temporaryDirectory(self).appendingPathComponent("h.safetensors").path
        try data.write(to: URL(fileURLWithPath: path))
        let arrays = try SafeTensors.read(path: path).arrays
        XCTAssertEqual(arrays["h"], WeightArray(shape: [2], values: [1, -2]))
        XCTAssertEqual(arrays["b"], WeightArray(shape: [1], values: [3]))
        XCTAssertEqual(arrays["n"], WeightArray(shape: [], values: [42]))
    }

    func testTruncatedFileIsReported() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("cut.safetensors").path
        try SafeTensors.write([("w", WeightArray(shape: [4], values: [1, 2, 3, 4]))], to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 4).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafeTensors.read(path: path)) { error in
            XCTAssertEqual("\(error)", "cannot read weights '\(path)': tensor 'w' lies outside the file (data_offsets [0, 16])")
        }
    }

    func testHostileShapesAndOffsetsAreRefusedBeforeAnyArithmetic() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("hostile.safetensors").path
        func file(_ entry: String) throws -> String {
            var header = Array("{\"w\": \(entry)}".utf8)
            header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
            let length = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init)
            try Data(length + header + [UInt8](repeating: 0, count: 16)).write(to: URL(fileURLWithPath: path))
            return try XCTUnwrap(ModelsFixture.errorText { _ = try SafeTensors.read(path: path) })
        }
        // 2^40 x 2^40 elements would overflow Int (a trap) in a plain product.
        XCTAssertTrue(try file(#"{"dtype": "F32", "shape": [1099511627776, 1099511627776], "data_offsets": [0, 16]}"#)
                        .contains("tensor 'w' has shape [1099511627776, 1099511627776], which a file of "))
        XCTAssertTrue(try file(#"{"dtype": "F32", "shape": [-2, -2], "data_offsets": [0, 16]}"#).contains("has shape [-2, -2]"))
        XCTAssertTrue(try file(#"{"dtype": "F32", "shape": [4], "data_offsets": [-16, 0]}"#).hasSuffix("lies outside the file (data_offsets [-16, 0])"))
        XCTAssertTrue(try file(#"{"dtype": "F32", "shape": [4], "data_offsets": [0, 9223372036854775807]}"#).contains("lies outside the file"))
    }
}
