import CNN
import Foundation
import Models
import PipeEngine

/// The pooled backbone features of every image, computed once, for training a head on a frozen backbone.
final class FeatureCache {
    private var rowOf: [String: Int] = [:]
    private let values: [Float]
    let width: Int

    init(model: Model, rows: [[String: String]], size: Int, context: StageContext, batchSize: Int = 16) throws {
        let paths = Array(Set(rows.map { $0["path"] ?? "" })).sorted()
        width = model.featureCount
        var values = [Float](repeating: 0, count: paths.count * width)
        for start in stride(from: 0, to: paths.count, by: batchSize) {
            if context.isCancelled { throw EngineError.cancelled }
            let chunk = Array(paths[start..<min(start + batchSize, paths.count)])
            let input = try TrainedClassifier.batch(chunk, size: size, preprocessing: model.preprocessing)
            let features = try model.graph.forward(input, mode: .inference)
            for (i, path) in chunk.enumerated() {
                rowOf[path] = start + i
                for k in 0..<width { values[(start + i) * width + k] = features.data[i * width + k] }
            }
            context.progress(start + chunk.count, of: paths.count, unit: "images", detail: "backbone features")
        }
        self.values = values
    }

    /// The features of `rows` as one `[N, width]` tensor.
    func batch(_ rows: [[String: String]]) throws -> Tensor {
        let tensor = Tensor(shape: [rows.count, width])
        for (i, row) in rows.enumerated() {
            guard let index = rowOf[row["path"] ?? ""] else { throw StageError.badInput(file: row["path"] ?? "", reason: "has no cached features") }
            values.withUnsafeBufferPointer { tensor.data.advanced(by: i * width).update(from: $0.baseAddress! + index * width, count: width) }
        }
        return tensor
    }
}
