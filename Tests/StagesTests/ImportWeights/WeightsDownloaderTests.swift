import Foundation
import XCTest
@testable import Stages

/// Weight downloads against a local HTTP server on 127.0.0.1: success, reuse, resume, bad digest, server error.
final class WeightsDownloaderTests: XCTestCase {
    private var folder: URL!
    private var server: LocalWeightsServer!
    private var port: Int { server.port }
    /// Reference digests of `payload` from Python's hashlib.
    private let md5 = "6e03b8d0406076d7cf3e4c5e88b377f4"
    private let sha256 = "4d4ba0875e1719b14061ce8d99084d470061f20f0c259728298e6a952d5e5bd3"
    private let payload = Data((0..<300_000).map { UInt8(($0 * 7 + 3) % 251) })

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("served"), withIntermediateDirectories: true)
        try payload.write(to: folder.appendingPathComponent("served/w.h5"))
        server = try LocalWeightsServer(serving: folder.appendingPathComponent("served"))
    }

    override func tearDownWithError() throws {
        server?.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    private func url(_ mode: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(mode)/w.h5")! }
    private var cache: URL { folder.appendingPathComponent("cache") }

    func testDownloadsChecksAndReusesTheFile() throws {
        let seen = Progress()
        let file = try WeightsDownloader().fetch(url("files"), name: "w.h5", into: cache, digest: .md5(md5)) { done, total in
            seen.record(done, total)
        }
        XCTAssertEqual(try Data(contentsOf: file), payload)
        XCTAssertEqual(seen.last?.0, 300_000)
        XCTAssertEqual(seen.last?.1, 300_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path + ".part"))
        // A second fetch finds it in the cache: the server's error route proves no request is made.
        XCTAssertEqual(try WeightsDownloader().fetch(url("error"), name: "w.h5", into: cache, digest: .sha256(sha256)), file)
    }

    func testAnInterruptedDownloadResumesWhereItStopped() throws {
        XCTAssertThrowsError(try WeightsDownloader().fetch(url("truncate"), name: "w.h5", into: cache, digest: .md5(md5))) { error in
            guard case .interrupted(_, let received, let expected, _)? = error as? ImportWeightsError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(received, 150_000)
            XCTAssertEqual(expected, 300_000)
            XCTAssertTrue("\(error)".hasSuffix("run again to resume it"), "\(error)")
        }
        let partial = cache.appendingPathComponent("w.h5.part")
        XCTAssertEqual(try Data(contentsOf: partial).count, 150_000, "the first half is kept")
        let seen = Progress()
        let file = try WeightsDownloader().fetch(url("truncate"), name: "w.h5", into: cache, digest: .md5(md5)) { done, total in
            seen.record(done, total)
        }
        XCTAssertEqual(try Data(contentsOf: file), payload)
        XCTAssertEqual(seen.first?.0 ?? 0, 150_000, accuracy: 65_536, "counting resumes from the partial size")
    }

    func testAStalledTransferEndsAsInterruptedAfterTheTimeout() throws {
        var downloader = WeightsDownloader()
        downloader.timeout = 2
        let started = Date()
        XCTAssertThrowsError(try downloader.fetch(url("stall"), name: "w.h5", into: cache, digest: .md5(md5))) { error in
            guard case .interrupted(_, let received, _, let reason)? = error as? ImportWeightsError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(received, 150_000)
            XCTAssertTrue(reason.contains("too slow"), reason)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "the stall was noticed after about 2 s, not when the server gave up")
    }

    func testAWrongDigestDeletesTheDownloadAndSaysSo() throws {
        let wrong = String(repeating: "0", count: 64)
        XCTAssertThrowsError(try WeightsDownloader().fetch(url("files"), name: "w.h5", into: cache, digest: .sha256(wrong))) { error in
            XCTAssertEqual(error as? ImportWeightsError, .digestMismatch(file: self.url("files").absoluteString, expected: wrong, found: self.sha256, deleted: true))
        }
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? [], [])
    }

    func testAServerErrorIsReportedWithTheStatus() throws {
        XCTAssertThrowsError(try WeightsDownloader().fetch(url("error"), name: "w.h5", into: cache, digest: .md5(md5))) { error in
            XCTAssertEqual("\(error)", "the server answered HTTP 500 for \(self.url("error")); try again later, or download the file yourself and use `source: file`")
        }
    }

    func testDigestKindsAndKerasCatalog() throws {
        XCTAssertEqual(WeightsDownloader.Digest(hex: md5), .md5(md5))
        XCTAssertEqual(WeightsDownloader.Digest(hex: sha256.uppercased()), .sha256(sha256))
        XCTAssertNil(WeightsDownloader.Digest(hex: "abc"))
        let densenet = try XCTUnwrap(KerasWeightsFile.official(arch: "densenet201", includeTop: false))
        XCTAssertEqual(densenet.url.absoluteString,
                       "https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5")
        XCTAssertEqual(densenet.md5, "c13680b51ded0fb44dff2d8f86ac8bb1")
        XCTAssertEqual(KerasWeightsFile.official(arch: "vgg19", includeTop: true)?.fileName, "vgg19_weights_tf_dim_ordering_tf_kernels.h5")
        XCTAssertEqual(KerasWeightsFile.architectures.count, 7)
        XCTAssertEqual(KerasWeightsFile.cacheFolder(environment: ["HOME": "/home/u"]).path, "/home/u/.keras/models")
        XCTAssertEqual(KerasWeightsFile.cacheFolder(environment: ["HOME": "/home/u", "KERAS_HOME": "/k"]).path, "/k/models")
    }
}

/// Collects progress callbacks from the transfer's thread.
private final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [(Int64, Int64?)] = []

    func record(_ done: Int64, _ total: Int64?) {
        lock.lock()
        calls.append((done, total))
        lock.unlock()
    }

    var first: (Int64, Int64?)? { lock.lock(); defer { lock.unlock() }; return calls.first }
    var last: (Int64, Int64?)? { lock.lock(); defer { lock.unlock() }; return calls.last }
}
