import Foundation
import Models
import PipeEngine
import PipeSpec

/// Where a fine-tune stage starts: an import-weights checkpoint, or (`init_from`) another fine-tune stage's classifier.
extension FineTuneStage {
    /// The folder the model starts from: the `init_from` stage's classifier, or the import-weights checkpoint.
    static func startingPoint(stage: String, parameters p: FineTuneParameters, context: StageContext) throws -> URL {
        guard let from = p.initFrom else { return try context.input(.modelCheckpoint).folder }
        guard let folder = context.inputs[from], context.inputKinds[from]?.provides(.trainedClassifier) == true else {
            throw StageError.misconfigured(stage: stage, reason: "`init_from: \(from)` is not a fine-tune stage in its needs; name one whose trained classifier it continues from")
        }
        return folder
    }

    /// The head of the `init_from` stage `from` with its trained weights; its layers and classes must be this stage's.
    static func continuedHead(stage: String, from: String, folder: URL, parameters p: FineTuneParameters,
                                      model: Model, classes: [String]) throws -> ClassifierHead {
        let specURL = folder.appendingPathComponent(ClassifierHead.specName)
        guard let data = FileManager.default.contents(atPath: specURL.path), let saved = try? JSONValue.parse(data) else {
            throw StageError.badInput(file: specURL.path, reason: "missing or unreadable: `\(from)` (init_from of `\(stage)`) wrote no head")
        }
        let layers = saved["layers"] ?? .array([])
        let savedClasses = saved["classes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard savedClasses == classes else {
            throw StageError.misconfigured(stage: stage, reason: "its classes (\(classes.joined(separator: ", "))) differ from those `\(from)` (init_from) was trained on (\(savedClasses.joined(separator: ", "))); give both stages the same data")
        }
        let mine = JSONValue.array(p.head.map(\.json))
        guard p.head.isEmpty || mine.canonicalText == layers.canonicalText else {
            throw StageError.misconfigured(stage: stage, reason: "its `head` (\(mine.canonicalText)) differs from the head of `\(from)` (init_from), \(layers.canonicalText); make them the same or leave `head` unset in `\(stage)` to continue with `\(from)`'s")
        }
        let head = try ClassifierHead(spec: layers, features: model.featureCount, classes: classes.count, seed: 0, stage: stage)
        try head.load(from: folder)
        return head
    }
}
