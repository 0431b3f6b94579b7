import Foundation
import PipeSpec

/// The Grad-CAM images `evaluate` writes for the report (`gradcam_images`, default eight test images): the
/// most confident right and wrong calls and the ones nearest another decision, each explained for the class it was given.
///
/// Output: `gradcam/<n>.png` and `gradcam.json`, a list of `{file, path, label, predicted, probability, kind}`.
struct HeatmapGallery {
    struct Pick: Equatable {
        var index: Int
        var kind: String
    }

    static let folder = "gradcam"
    static let indexName = "gradcam.json"

    /// Up to `count` rows: confident right, confident wrong and borderline ones in turn (3, 3 and 2 of eight),
    /// topped up with more confident right ones when a group runs short. `confidence` is the probability of
    /// the predicted class; `margin` how far the image is from another decision.
    static func choose(correct: [Bool], confidence: [Double], margin: [Double], count: Int) -> [Pick] {
        let rows = Array(correct.indices)
        let quota = (0..<3).map { group in (0..<max(count, 0)).filter { $0 % 3 == group }.count }
        let right = rows.filter { correct[$0] }.sorted { (confidence[$0], -$0) > (confidence[$1], -$1) }
        let wrong = rows.filter { !correct[$0] }.sorted { (confidence[$0], -$0) > (confidence[$1], -$1) }
        var picks = right.prefix(quota[0]).map { Pick(index: $0, kind: "confident, right") }
            + wrong.prefix(quota[1]).map { Pick(index: $0, kind: "confident, wrong") }
        let taken = { (row: Int) in picks.contains { $0.index == row } }
        let borderline = rows.filter { !taken($0) }.sorted { (margin[$0], $0) < (margin[$1], $1) }
        picks += borderline.prefix(quota[2]).map { Pick(index: $0, kind: "borderline") }
        for row in right + wrong where picks.count < count && !taken(row) {
            picks.append(Pick(index: row, kind: correct[row] ? "confident, right" : "confident, wrong"))
        }
        return Array(picks.prefix(max(count, 0)))
    }

    /// Computes and writes the chosen images' overlays into `output`; returns how many were written.
    @discardableResult
    static func write(_ picks: [Pick], classifier: TrainedClassifier, rows: [ManifestEntry], predicted: [Int],
                      probabilities: [[Double]], to output: URL) throws -> Int {
        let paths = picks.map { rows[$0.index].path }
        guard let maps = try GradCAM(classifier: classifier).maps(of: paths, targets: picks.map { predicted[$0.index] }) else {
            return 0
        }
        let folder = output.appendingPathComponent(Self.folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var entries: [JSONValue] = []
        for (number, (pick, map)) in zip(picks, maps).enumerated() {
            let file = "\(Self.folder)/\(number).png"
            try GradCAM.overlay(map, on: paths[number], size: 160).write(to: output.appendingPathComponent(file))
            let row = rows[pick.index], guess = predicted[pick.index]
            entries.append(.object([
                "file": .string(file), "path": .string(row.path), "label": .string(row.label),
                "predicted": .string(classifier.classes[guess]), "probability": .number(probabilities[pick.index][guess]),
                "kind": .string(pick.kind),
            ]))
        }
        try Data(JSONValue.array(entries).canonicalText.utf8).write(to: output.appendingPathComponent(Self.indexName))
        return entries.count
    }
}
