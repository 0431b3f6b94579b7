import CNN
import Foundation
import Models
import PipeEngine

/// One graph node's values for every image, computed once by the frozen part of a model: the pooled
/// features when the whole backbone is frozen, or the frozen prefix's output under `freeze: {until:}`.
///
/// The values live in a memory-mapped file in the stage's work folder, since a prefix's feature maps for
/// thousands of images can outgrow memory; the page cache keeps them in RAM when they fit.
final class ActivationCache {
    enum Failure: Error {
        /// The disk cannot hold the values.
        case noSpace(bytes: Int)
    }

    private var rowOf: [String: Int] = [:]
    /// The shape of one image's values, e.g. `[14, 14, 1024]` or `[1920]`.
    let shape: [Int]
    private let perImage: Int
    private let values: UnsafeMutablePointer<Float>
    private let byteCount: Int

    /// Runs `model.graph` through `node` (its output when nil) in inference mode on every distinct image.
    /// `reserve(descriptor, bytes)` allocates the file's blocks and returns 0 or an errno (tests pass a full disk).
    init(model: Model, node: Int?, rows: [ManifestEntry], size: Int, context: StageContext, batchSize: Int = 16,
         reserve: (Int32, Int) -> Int32 = { posix_fallocate($0, 0, off_t($1)) }) throws {
        let paths = Array(Set(rows.map(\.path))).sorted()
        let graph = model.graph
        func run(_ chunk: [String]) throws -> Tensor {
            let input = try TrainedClassifier.batch(chunk, size: size, preprocessing: model.preprocessing)
            return try node.map { try graph.forward(input, mode: .inference, through: $0) } ?? graph.forward(input, mode: .inference)
        }
        var first: Tensor? = paths.isEmpty ? nil : try run(Array(paths.prefix(batchSize)))
        shape = Array((first?.shape ?? [0, 0]).dropFirst())
        perImage = shape.reduce(1, *)
        byteCount = max(paths.count * perImage, 1) * MemoryLayout<Float>.stride
        try FileManager.default.createDirectory(at: context.work, withIntermediateDirectories: true)
        let file = context.work.appendingPathComponent("activations-\(UUID().uuidString).f32")
        let descriptor = open(file.path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw StageError.cannotWrite(file.path) }
        // Reserving the blocks up front turns a full disk into an error here rather than a crash (SIGBUS)
        // when a page of the mapping is first written.
        let reserved = reserve(descriptor, byteCount)
        guard reserved == 0 else {
            close(descriptor)
            unlink(file.path)
            if reserved == ENOSPC || reserved == EFBIG { throw Failure.noSpace(bytes: byteCount) }
            throw StageError.cannotWrite(file.path)
        }
        guard let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            close(descriptor)
            unlink(file.path)
            throw StageError.cannotWrite(file.path)
        }
        close(descriptor)
        unlink(file.path)  // the mapping keeps the data; nothing is left behind if the process dies
        values = mapped.assumingMemoryBound(to: Float.self)
        for start in stride(from: 0, to: paths.count, by: batchSize) {
            if context.isCancelled { throw EngineError.cancelled }
            let chunk = Array(paths[start..<min(start + batchSize, paths.count)])
            let output = try first ?? run(chunk)
            first = nil
            for (i, path) in chunk.enumerated() { rowOf[path] = start + i }
            (values + start * perImage).update(from: output.data, count: chunk.count * perImage)
            context.progress(start + chunk.count, of: paths.count, unit: "images",
                             detail: node == nil ? "backbone features" : "frozen layers' activations")
        }
    }

    deinit { munmap(values, byteCount) }

    /// The values of `rows` as one `[N] + shape` tensor.
    func batch(_ rows: [ManifestEntry]) throws -> Tensor {
        let tensor = Tensor(shape: [rows.count] + shape)
        for (i, row) in rows.enumerated() {
            guard let index = rowOf[row.path] else { throw StageError.badInput(file: row.path, reason: "has no cached activations") }
            (tensor.data + i * perImage).update(from: values + index * perImage, count: perImage)
        }
        return tensor
    }
}
