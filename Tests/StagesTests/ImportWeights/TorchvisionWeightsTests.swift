import Foundation
import XCTest
@testable import Stages

/// torchvision's weight files: the catalogue, torch.hub's cache folder, and fetching against a local HTTP
/// server on 127.0.0.1 with the SHA-256 prefix of the file name checked (cached, downloaded, mismatching).
final class TorchvisionWeightsTests: XCTestCase {
    private var folder: URL!
    private var server: LocalWeightsServer!
    private var port: Int { server.port }
    private let payload = Data((0..<300_000).map { UInt8(($0 * 7 + 3) % 251) })
    /// The payload's SHA-256 from Python's hashlib; torch.hub names such a file `<name>-4d4ba087.pth`.
    private let sha256 = "4d4ba0875e1719b14061ce8d99084d470061f20f0c259728298e6a952d5e5bd3"
    private let goodName = "tiny-4d4ba087.pth", badName = "tiny-4d4ba088.pth"

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-torchvision-\(UUID().uuidString)")
        let served = folder.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        try payload.write(to: served.appendingPathComponent(goodName))
        try payload.write(to: served.appendingPathComponent(badName))
        server = try LocalWeightsServer(serving: served)
    }

    override func tearDownWithError() throws {
        server?.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    private var cache: URL { folder.appendingPathComponent("torch/hub/checkpoints") }

    /// The file `name` on the local server, by route (`files`, `error`).
    private func file(_ route: String, _ name: String) throws -> TorchvisionWeightsFile {
        try XCTUnwrap(TorchvisionWeightsFile(url: URL(string: "http://127.0.0.1:\(port)/\(route)/\(name)")!))
    }

    private func fetch(_ file: TorchvisionWeightsFile) throws -> URL {
        try WeightsDownloader().fetch(file.url, name: file.fileName, into: cache, digest: .sha256Prefix(file.sha256Prefix))
    }

    func testAFileInTheCacheIsUsedWithoutADownload() throws {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try payload.write(to: cache.appendingPathComponent(goodName))
        // The error route answers 500: reaching the server would fail the fetch.
        XCTAssertEqual(try fetch(try file("error", goodName)), cache.appendingPathComponent(goodName))
    }

    func testADownloadIsCheckedAgainstThePrefixInItsName() throws {
        let downloaded = try fetch(try file("files", goodName))
        XCTAssertEqual(downloaded, cache.appendingPathComponent(goodName))
        XCTAssertEqual(try Data(contentsOf: downloaded), payload)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.path), [goodName], "no .part left")
    }

    func testADownloadWhoseDigestDoesNotStartWithThePrefixIsDeleted() throws {
        let bad = try file("files", badName)
        XCTAssertEqual(bad.sha256Prefix, "4d4ba088")
        XCTAssertThrowsError(try fetch(bad)) { error in
            XCTAssertEqual("\(error)", "\(bad.url.absoluteString) has digest \(self.sha256), not the expected SHA-256 starting "
                           + "4d4ba088; the download was deleted; run again, and if it repeats the file on the server changed")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.path), [], "nothing kept")
    }

    func testAMismatchingFileInTheCacheIsReportedAndKept() throws {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let cached = cache.appendingPathComponent(badName)
        try payload.write(to: cached)
        XCTAssertThrowsError(try fetch(try file("error", badName))) { error in
            XCTAssertEqual(error as? ImportWeightsError, .digestMismatch(file: cached.path, expected: "SHA-256 starting 4d4ba088",
                                                                         found: self.sha256, deleted: false))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: cached.path))
    }

    /// The names and addresses of torchvision's `<Arch>_Weights.IMAGENET1K_V1` (torchvision 0.28 sources).
    func testCatalogueNamesTorchvisionsImageNetFiles() throws {
        let expected = [
            "densenet121": "densenet121-a639ec97.pth", "densenet169": "densenet169-b2777c0a.pth",
            "densenet201": "densenet201-c1103571.pth", "resnet50": "resnet50-0676ba61.pth",
            "vgg16": "vgg16-397923af.pth", "vgg19": "vgg19-dcbb9e9d.pth", "inceptionv3": "inception_v3_google-0cc3c7bd.pth",
        ]
        XCTAssertEqual(TorchvisionWeightsFile.architectures, expected.keys.sorted())
        for (arch, name) in expected {
            let official = try XCTUnwrap(TorchvisionWeightsFile.official(arch: arch))
            XCTAssertEqual(official.url.absoluteString, "https://download.pytorch.org/models/" + name)
            XCTAssertEqual(official.fileName, name)
        }
        XCTAssertEqual(TorchvisionWeightsFile.official(arch: "inceptionv3")?.sha256Prefix, "0cc3c7bd")
        XCTAssertEqual(TorchvisionWeightsFile.official(arch: "densenet201")?.sha256Prefix, "c1103571")
        XCTAssertNil(TorchvisionWeightsFile.official(arch: "densenet161"))
        XCTAssertNil(TorchvisionWeightsFile(url: URL(string: "https://example.invalid/weights.pth")!))
        XCTAssertNil(TorchvisionWeightsFile(url: URL(string: "https://example.invalid/a-XYZ.pth")!))
    }

    func testCacheFolderIsTorchHubs() {
        XCTAssertEqual(TorchvisionWeightsFile.cacheFolder(environment: ["HOME": "/home/u"]).path,
                       "/home/u/.cache/torch/hub/checkpoints")
        XCTAssertEqual(TorchvisionWeightsFile.cacheFolder(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/x"]).path,
                       "/x/torch/hub/checkpoints")
        XCTAssertEqual(TorchvisionWeightsFile.cacheFolder(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/x",
                                                                        "TORCH_HOME": "~/t"]).path,
                       "/home/u/t/hub/checkpoints")
    }
}
