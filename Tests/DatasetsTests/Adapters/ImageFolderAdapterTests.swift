import Foundation
import Imaging
import XCTest
@testable import Datasets

final class ImageFolderAdapterTests: XCTestCase {
    func testExactRows() throws {
        let tree = try TestTree(self)
        try tree.png("benign/a.png")
        try tree.jpeg("malignant/b.jpg")
        try tree.jpeg("malignant/c.JPEG")
        try tree.truncatedPNG("malignant/d.png")
        try tree.text("benign/notes.txt", "x")
        try tree.png("loose.png")
        try tree.png("benign/deeper/e.png")
        try tree.write("benign/g16.png", PNGCodec.encode(TestTree.tissue()))
        try FileManager.default.createSymbolicLink(at: tree.root.appendingPathComponent("malignant/link.png"),
                                                   withDestinationURL: tree.root.appendingPathComponent("benign/a.png"))
        let manifest = try ImageFolderAdapter().read(root: tree.root)
        XCTAssertEqual(manifest.rows, [
            ManifestRow(path: "benign/a.png", label: "benign", patient: "benign/a"),
            ManifestRow(path: "benign/g16.png", label: "benign", patient: "benign/g16"),
            ManifestRow(path: "malignant/b.jpg", label: "malignant", patient: "malignant/b"),
            ManifestRow(path: "malignant/c.JPEG", label: "malignant", patient: "malignant/c"),
            ManifestRow(path: "malignant/link.png", label: "malignant", patient: "malignant/link"),
        ])
        XCTAssertEqual(manifest.skipped.map(\.path), ["benign/deeper/e.png", "benign/notes.txt", "loose.png", "malignant/d.png"])
        XCTAssertEqual(manifest.skipped.map(\.reason).prefix(3), ["nested below a class folder", "not a .png, .jpg or .jpeg file",
                                                                   "not inside a class folder"])
        XCTAssertTrue(manifest.skipped[3].reason.hasPrefix("corrupt or truncated PNG"))
    }

    func testEmptyFolderIsAnError() throws {
        let tree = try TestTree(self)
        XCTAssertThrowsError(try ImageFolderAdapter().read(root: tree.root)) { error in
            XCTAssertTrue("\(error)".contains("no images in class folders"))
        }
    }
}
