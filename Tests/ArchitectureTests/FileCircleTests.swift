import Foundation
import XCTest

/// No two files of a module name each other: each module's files form layers, so a file can be read (and
/// moved) knowing only the files below it.
final class FileCircleTests: XCTestCase {
    /// The modules held to this (all of them); `PIPE_CIRCLE_MODULES=CNN,Models` checks only those.
    static let checked = ["PipeBase", "CNN", "Models", "Imaging", "Datasets", "PipeSpec", "PipeEngine", "Stages", "pipe"]
    /// Pairs that must name each other: a recursive value type and its container.
    static let allowed: Set<String> = ["Models: Formats/PyTorch/PickleDict.swift <-> Formats/PyTorch/PickleValue.swift"]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    func testNoFileNamesAFileThatNamesIt() throws {
        let modules = ProcessInfo.processInfo.environment["PIPE_CIRCLE_MODULES"].map { $0.split(separator: ",").map(String.init) }
            ?? Self.checked
        for module in modules {
            let folder = Self.sources.appendingPathComponent(module)
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path), "no module folder \(folder.path)")
            for circle in try FileCircles(folder: folder).circles() where !Self.allowed.contains("\(module): \(circle.pair)") {
                XCTFail("\(module): \(circle); move what both need into a lower file")
            }
        }
    }

    func testTheScanFindsCirclesInCodeButNotInCommentsOrStrings() {
        let circles = FileCircles(sources: [
            ("Trunk.swift", "struct Trunk {\n    static func build() -> Any { DenseNet.trunk() }\n}\n"),
            ("DenseNet.swift", "enum DenseNet {\n    static func trunk() -> Trunk { Trunk() }\n}\n"),
            ("Low.swift", "/// Used by `High`.\nstruct Low { let note = \"High\" }\n"),
            ("High.swift", "struct High { let low = Low(); let text = \"\\(Low.self) \\(String(1))\" }\n"),
        ]).circles()
        XCTAssertEqual(circles.map(\.pair), ["Trunk.swift <-> DenseNet.swift"])
        XCTAssertEqual(circles.first?.firstUses, ["DenseNet"])
        XCTAssertEqual(circles.first?.secondUses, ["Trunk"])
    }

    func testMembersOfAnExtensionBelongToTheFileThatDeclaresThem() {
        let circles = FileCircles(sources: [
            ("Model.swift", "struct Model { func f() { Trunk.build() } }\n"),
            ("Trunk.swift", "struct Trunk {}\n"),
            ("Trunk+Build.swift", "extension Trunk {\n    static func build() { _ = Model() }\n}\n"),
        ]).circles()
        XCTAssertEqual(circles.map(\.pair), ["Model.swift <-> Trunk+Build.swift"])
    }
}
