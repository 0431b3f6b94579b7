import Foundation
import Imaging
import XCTest

/// Builds small dataset folders for the adapter tests.
struct TestTree {
    let root: URL

    /// A fresh temporary folder, removed when `test` ends.
    init(_ test: XCTestCase) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let root = root
        test.addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    }

    @discardableResult
    func write(_ path: String, _ data: Data) throws -> URL {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url
    }

    func text(_ path: String, _ text: String) throws { try write(path, Data(text.utf8)) }

    /// A tiny RGB image whose pixels depend on `shade`.
    static func rgb(_ shade: UInt8, width: Int = 5, height: Int = 4) -> Image {
        let bytes = (0..<(width * height * 3)).map { UInt8((Int(shade) + $0 * 7) % 256) }
        return try! Image(width: width, height: height, format: .rgb8, bytes: bytes)
    }

    func png(_ path: String, shade: UInt8 = 90) throws { try write(path, PNGCodec.encode(Self.rgb(shade))) }

    func truncatedPNG(_ path: String) throws {
        let data = try PNGCodec.encode(Self.rgb(10, width: 16, height: 16))
        try write(path, data.prefix(data.count / 2))
    }

    func jpeg(_ path: String, image: Image = TestTree.rgb(40)) throws { try write(path, JPEGCodec.encode(image, quality: 95)) }

    /// A textured 16-bit greyscale image, like a mammogram crop.
    static func tissue(width: Int = 12, height: Int = 10, seed: Int = 1) -> Image {
        let words = (0..<(width * height)).map { UInt16((($0 * 2654435761 + seed * 977) % 50000) + 5000) }
        return try! Image(width: width, height: height, format: .gray16, words: words)
    }

    /// A binary 0/255 mask.
    static func mask(width: Int = 12, height: Int = 10) -> Image {
        let bytes = (0..<(width * height)).map { i -> UInt8 in (i % width > 3 && i / width > 2) ? 255 : 0 }
        return try! Image(width: width, height: height, format: .gray8, bytes: bytes)
    }

    func dicom(_ path: String, _ image: Image, photometric: String = "MONOCHROME2") throws {
        var writer = DICOMWriter(attributes: [.patientID: "test"])
        writer.photometric = photometric
        try write(path, writer.encode(image))
    }
}
