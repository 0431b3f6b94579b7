import CNN
import Foundation
import Imaging
import Models
@testable import PipeEngine
@testable import Stages
import XCTest

/// The activation cache: values equal to running the layers, kept in a store's shelf and reused by content,
/// recomputed when the weights, an image, the preprocessing or the size change, and a full disk reported.
final class ActivationCacheTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("activations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func image(_ index: Int, shift: Int = 0) throws -> ManifestEntry {
        let bytes = (0..<(24 * 24 * 3)).map { UInt8(($0 * (3 + index) + index * 40 + shift) % 256) }
        let url = folder.appendingPathComponent("\(index)-\(shift).png")
        try PNGCodec.write(try Image(width: 24, height: 24, format: .rgb8, bytes: bytes), to: url)
        var row = ManifestEntry(path: url.path)
        row.sha256 = try ContentHasher.sha256(file: url.path)
        return row
    }

    private func model(seed: UInt64 = 1, preprocessing: Preprocessing? = nil) throws -> Model {
        let model = try Model(architecture: .densenet121, variant: .keras,
                              options: ModelOptions(includeTop: false, inputHeight: 24, inputWidth: 24,
                                                    denseNet: DenseNetConfig(blocks: [1, 1], growthRate: 4, initialFeatures: 8), seed: seed))
        if let preprocessing { model.preprocessing = preprocessing }
        return model
    }

    private func context(notes: NoteLog = NoteLog()) -> StageContext {
        StageContext(output: folder.appendingPathComponent("out"), committedOutput: folder.appendingPathComponent("out"),
                     resumeFolder: folder.appendingPathComponent("resume"), work: folder.appendingPathComponent("work"),
                     inputs: [:], pipeline: PipelineContext(name: "t", directory: folder, seed: 1, store: folder.appendingPathComponent("store")),
                     onProgress: { _ in }, onNote: { notes.append($0) })
    }

    private func expected(_ model: Model, _ rows: [ManifestEntry], node: Int?, size: Int = 24) throws -> [Float] {
        let input = try TrainedClassifier.batch(rows.map(\.path), size: size, preprocessing: model.preprocessing)
        return try node.map { try model.graph.forward(input, mode: .inference, through: $0).array } ?? model.graph.forward(input, mode: .inference).array
    }

    func testCachedValuesEqualTheLayersOutputAndLiveInTheStoresShelf() throws {
        let rows = try (0..<3).map { try image($0) }
        let model = try model()
        let context = context()
        let cache = try ActivationCache(model: model, node: 3, rows: rows, size: 24, context: context, batchSize: 2)
        XCTAssertEqual(try cache.batch([rows[2], rows[0]]).array, try expected(model, [rows[2], rows[0]], node: 3))
        XCTAssertEqual(cache.reused, 0)
        XCTAssertEqual(context.usedShelves, [cache.shelf.name])
        XCTAssertTrue(cache.shelf.name.hasPrefix("densenet121-node3-24px-"), cache.shelf.name)
        XCTAssertEqual(cache.shelf.folder.deletingLastPathComponent().path, folder.appendingPathComponent("store/shelves").path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.shelf.folder.path).sorted(), rows.map(\.sha256).sorted(),
                       "one entry per image content, no temporary file left")
        XCTAssertThrowsError(try cache.batch([ManifestEntry(path: "/elsewhere.png")]))
        let features = try ActivationCache(model: model, node: nil, rows: rows, size: 24, context: context)
        XCTAssertEqual(try features.batch(rows).array, try expected(model, rows, node: nil))
        XCTAssertNotEqual(features.shelf.name, cache.shelf.name)
    }

    func testASecondCacheReadsTheShelfWithoutTheImages() throws {
        let rows = try (0..<3).map { try image($0) }
        let first = try ActivationCache(model: try model(), node: nil, rows: rows, size: 24, context: context(), batchSize: 2)
        let values = try first.batch(rows).array
        for row in rows { try FileManager.default.removeItem(atPath: row.path) }
        let notes = NoteLog()
        let second = try ActivationCache(model: try model(), node: nil, rows: rows, size: 24, context: context(notes: notes))
        XCTAssertEqual(second.reused, 3)
        XCTAssertEqual(try second.batch(rows).array, values, "read back bit for bit, with the image files gone")
        XCTAssertEqual(notes.all, ["backbone features: 3 of 3 images from the store's cache (shelf \(first.shelf.name))"])
    }

    func testChangedWeightsImagesPreprocessingOrSizeAreComputedAgain() throws {
        let rows = try (0..<3).map { try image($0) }
        let base = try ActivationCache(model: try model(), node: nil, rows: rows, size: 24, context: context())
        // One weight changed by one ulp is another shelf.
        let nudged = try model()
        let weight = try XCTUnwrap(nudged.state.first { $0.tensor.count > 0 }).tensor
        weight.data[0] = weight.data[0].nextUp
        let retrained = try ActivationCache(model: nudged, node: nil, rows: rows, size: 24, context: context())
        XCTAssertNotEqual(retrained.shelf.name, base.shelf.name)
        XCTAssertEqual(retrained.reused, 0)
        let tf = try ActivationCache(model: try model(preprocessing: .tf), node: nil, rows: rows, size: 24, context: context())
        XCTAssertNotEqual(tf.shelf.name, base.shelf.name)
        XCTAssertEqual(try tf.batch(rows).array, try expected(try model(preprocessing: .tf), rows, node: nil))
        let smaller = try ActivationCache(model: try model(), node: nil, rows: rows, size: 16, context: context())
        XCTAssertNotEqual(smaller.shelf.name, base.shelf.name)
        XCTAssertEqual(smaller.reused, 0)
        // A changed image is new content: only it is computed.
        let edited = [rows[0], rows[1], try image(2, shift: 1)]
        let again = try ActivationCache(model: try model(), node: nil, rows: edited, size: 24, context: context())
        XCTAssertEqual(again.shelf.name, base.shelf.name)
        XCTAssertEqual(again.reused, 2)
        XCTAssertEqual(try again.batch(edited).array, try expected(try model(), edited, node: nil))
    }

    func testADamagedEntryIsNamedAndComputedAgain() throws {
        let rows = try (0..<2).map { try image($0) }
        let first = try ActivationCache(model: try model(), node: nil, rows: rows, size: 24, context: context())
        let values = try first.batch(rows).array
        let entry = first.shelf.url(rows[1].sha256)
        var bytes = try Data(contentsOf: entry)
        bytes[bytes.count - 2] ^= 0x40
        try bytes.write(to: entry)
        let truncated = first.shelf.url(rows[0].sha256)
        try Data(try Data(contentsOf: truncated).prefix(40)).write(to: truncated)
        let notes = NoteLog()
        let second = try ActivationCache(model: try model(), node: nil, rows: rows, size: 24, context: context(notes: notes))
        XCTAssertEqual(second.reused, 0)
        XCTAssertEqual(try second.batch(rows).array, values)
        XCTAssertTrue(notes.all.contains { $0.contains(entry.path) && $0.contains("checksum does not match") }, "\(notes.all)")
        XCTAssertTrue(notes.all.contains { $0.contains(truncated.path) && $0.contains("shorter than its header") }, "\(notes.all)")
    }

    func testAFullDiskIsAnErrorNotACrash() throws {
        let rows = try (0..<3).map { try image($0) }
        XCTAssertThrowsError(try ActivationCache(model: try model(), node: 3, rows: rows, size: 24, context: context(),
                                                 reserve: { _, _ in ENOSPC })) { error in
            guard case ActivationCache.Failure.noSpace(let bytes, let shelf) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(bytes, 3 * 6 * 6 * 8 * 4, "three 6x6x8 pool1 maps of floats")
            XCTAssertTrue("\(error)".hasSuffix("free space (`pipe gc` removes unused shelves) and run again"), "\(error)")
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: shelf)) ?? [], [], "no entry and no temporary file")
        }
    }
}

/// Notes a stage context reported, in order.
final class NoteLog: @unchecked Sendable {
    private let lock = NSLock()
    private var notes: [String] = []

    func append(_ note: String) {
        lock.lock()
        notes.append(note)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return notes
    }
}
